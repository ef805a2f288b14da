package io.github.vaultsni.keyless;

import java.security.Key;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.Map;

/**
 * The JCA provider of the signatures that sign with a {@link KeylessKey}: ECDSA and RSA PKCS#1 v1.5 with SHA-1 (a
 * TLS 1.2 client that sends no signature_algorithms), SHA-256, SHA-384 and SHA-512, and RSASSA-PSS, the algorithms
 * JSSE asks for by name (not TLS 1.1's MD5 and SHA-1 together: such a handshake is refused). JSSE finds a signature only among the
 * installed providers, choosing for each key the first one that accepts it; this one accepts only its own handles,
 * so every other key is signed as before. Stateless: each handle carries its signer.
 *
 * <p>{@link #install()} installs it once per class loader (a web application's loader has its own
 * {@link KeylessKey} class, so its own provider), last in the list.
 */
public final class KeylessProvider extends Provider {
    private static final long serialVersionUID = 1L;
    static final String NAME = "VaultSniKeyless";

    private KeylessProvider(String name) {
        super(name, "1.0", "Signatures by keys kept in Vault Transit (vault-sni keyless)");
        signature("SHA1withECDSA", SignatureScheme.ECDSA, "SHA-1"); // TLS 1.2 without signature_algorithms
        signature("SHA256withECDSA", SignatureScheme.ECDSA, "SHA-256");
        signature("SHA384withECDSA", SignatureScheme.ECDSA, "SHA-384");
        signature("SHA512withECDSA", SignatureScheme.ECDSA, "SHA-512");
        signature("SHA1withRSA", SignatureScheme.RSA_PKCS1, "SHA-1");
        signature("SHA256withRSA", SignatureScheme.RSA_PKCS1, "SHA-256");
        signature("SHA384withRSA", SignatureScheme.RSA_PKCS1, "SHA-384");
        signature("SHA512withRSA", SignatureScheme.RSA_PKCS1, "SHA-512");
        signature("RSASSA-PSS", SignatureScheme.RSA_PSS, null);
    }

    private void signature(String algorithm, SignatureScheme scheme, String hash) {
        putService(new Service(this, "Signature", algorithm, KeylessSignature.class.getName(), List.of(),
                Map.of("SupportedKeyClasses", KeylessKey.class.getName())) {
            @Override
            public Object newInstance(Object constructorParameter) {
                return new KeylessSignature(scheme, hash);
            }

            @Override
            public boolean supportsParameter(Object parameter) {
                return parameter instanceof Key key && key instanceof KeylessKey;
            }
        });
    }

    /**
     * Installs the provider for this class loader's {@link KeylessKey}s, unless it is already; one of the same name
     * from another class loader (a web application deployed before) is replaced.
     */
    public static synchronized void install() {
        String name = nameForThisLoader();
        Provider installed = Security.getProvider(name);
        if (installed != null && installed.getClass() != KeylessProvider.class) {
            Security.removeProvider(name);
            installed = null;
        }
        if (installed == null) {
            Security.addProvider(new KeylessProvider(name));
        }
    }

    private static String nameForThisLoader() {
        ClassLoader loader = KeylessProvider.class.getClassLoader();
        return loader == ClassLoader.getSystemClassLoader() ? NAME
                : NAME + "-" + Integer.toHexString(System.identityHashCode(loader));
    }
}
