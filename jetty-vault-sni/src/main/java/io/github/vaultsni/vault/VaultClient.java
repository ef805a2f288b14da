package io.github.vaultsni.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jopenlibs.vault.EnvironmentLoader;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.rest.Rest;
import io.github.jopenlibs.vault.rest.RestException;
import io.github.jopenlibs.vault.rest.RestResponse;

import io.github.vaultsni.pem.CertifiedKey;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver (vault-java-driver), configured once per secret object: one shared {@link HttpClient} with the
 * object's TLS settings (the driver would otherwise build a new client, and a new connection, per request), no
 * fallback to {@code VAULT_*} environment variables, timeouts from the settings, the namespace header.
 */
final class VaultClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_DRIVERS = 32;
    /** The driver must not read VAULT_ADDR, VAULT_TOKEN or VAULT_SSL_* behind our back. */
    private static final EnvironmentLoader NO_ENVIRONMENT = new EnvironmentLoader() {
        @Override
        public String loadVariable(String name) {
            return null;
        }
    };

    private final VaultSettings settings;
    private final HttpClient http;
    private final int timeoutSeconds;
    private final Map<DriverKey, Vault> drivers = new ConcurrentHashMap<>();
    private volatile CertificateClient certificateClient;

    VaultClient(VaultSettings settings) {
        this.settings = settings;
        this.timeoutSeconds = (int) Math.max(1, (settings.timeout().toMillis() + 999) / 1000);
        this.http = httpClient(settings, null);
    }

    private static HttpClient httpClient(VaultSettings settings, KeyManager[] clientKey) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (isHttps(settings)) {
            builder.sslContext(sslContext(settings, clientKey));
        }
        return builder.build();
    }

    private static boolean isHttps(VaultSettings settings) {
        return settings.uri().regionMatches(true, 0, "https:", 0, 6);
    }

    VaultSettings settings() {
        return settings;
    }

    /**
     * The driver for one token; {@code kvVersion} 1 or 2, {@code mountDepth} path segments in the KV mount.
     * Instances are kept for the current token (a new token starts afresh), since building one logs a line
     * when a namespace is set.
     */
    Vault driver(String token, int kvVersion, int mountDepth) {
        DriverKey key = new DriverKey(token, kvVersion, mountDepth);
        Vault cached = drivers.get(key);
        if (cached != null) {
            return cached;
        }
        if (drivers.size() >= MAX_DRIVERS || drivers.keySet().stream().anyMatch(k -> !Objects.equals(k.token(), token))) {
            drivers.clear();
        }
        Vault created = newDriver(token, kvVersion, mountDepth);
        drivers.put(key, created);
        return created;
    }

    private record DriverKey(String token, int kvVersion, int mountDepth) {
        @Override
        public String toString() {
            return "DriverKey{kv" + kvVersion + ", depth " + mountDepth + "}";
        }
    }

    private Vault newDriver(String token, int kvVersion, int mountDepth) {
        try {
            VaultConfig config = new VaultConfig()
                    .environmentLoader(NO_ENVIRONMENT)
                    .address(settings.uri())
                    .httpClient(http)
                    .openTimeout(timeoutSeconds)
                    .readTimeout(timeoutSeconds)
                    .prefixPathDepth(Math.max(1, mountDepth));
            if (token != null) {
                config.token(token);
            }
            if (settings.namespace().isPresent()) {
                config.nameSpace(settings.namespace().get());
            }
            return Vault.create(config.build(), kvVersion);
        } catch (VaultException e) {
            throw VaultErrors.fromException(e, "configuring the Vault client", settings.uri());
        }
    }

    /** A GET the driver has no method for (e.g. {@code sys/internal/ui/mounts/...}): status and JSON body. */
    Answer get(VaultPath path, String token) {
        try {
            return answer(rest(http, path, token, settings.namespace().orElse(null)).get());
        } catch (RestException | IOException e) {
            throw VaultErrors.fromIo(e, "reading " + path, settings.uri());
        }
    }

    /** A GET whose answer is not JSON (a PKI mount's {@code crl/pem}; text: the driver reads answers as text). */
    Answer getBytes(VaultPath path, String token) {
        try {
            RestResponse response = rest(http, path, token, settings.namespace().orElse(null)).get();
            return new Answer(response.getStatus(), response.getBody(), null);
        } catch (RestException e) {
            throw VaultErrors.fromIo(e, "reading " + path, settings.uri());
        }
    }

    /** A POST with a JSON body the driver has no method for (e.g. {@code pki/sign/<role>}): status and JSON body. */
    Answer post(VaultPath path, String token, Map<String, ?> body) {
        return post(http, path, token, settings.namespace().orElse(null), body, "writing " + path);
    }

    /**
     * A login: a POST without a token, to {@code namespace} (null: the settings'), presenting {@code clientKey} as
     * the TLS client certificate when one is given, through a client of its own made again when the certificate or
     * key changes, so that Vault sees the one read for this login, not one a pooled connection presented before.
     */
    Answer login(VaultPath path, Map<String, ?> body, String namespace, CertifiedKey clientKey, String action) {
        HttpClient client = clientKey == null ? http : certificateClient(clientKey);
        return post(client, path, null, namespace != null ? namespace : settings.namespace().orElse(null), body, action);
    }

    /**
     * A client presenting {@code clientKey}: the one made for the last certificate login while its certificate and
     * key are the same, else a new one (a pooled connection would show Vault the certificate it was opened with).
     */
    private HttpClient certificateClient(CertifiedKey clientKey) {
        CertificateClient last = certificateClient;
        if (last != null && last.presents(clientKey)) {
            return last.http();
        }
        CertificateClient made = new CertificateClient(clientKey,
                httpClient(settings, new KeyManager[]{new ClientKeyManager(clientKey)}));
        certificateClient = made;
        return made.http();
    }

    /** An HTTP client and the certificate and key it presents. */
    private record CertificateClient(CertifiedKey key, HttpClient http) {
        boolean presents(CertifiedKey other) {
            return key.chain().equals(other.chain()) && key.privateKey().equals(other.privateKey());
        }
    }

    private Answer post(HttpClient client, VaultPath path, String token, String namespace, Map<String, ?> body,
                        String action) {
        try {
            return answer(rest(client, path, token, namespace).header("Content-Type", "application/json")
                    .body(MAPPER.writeValueAsBytes(body)).post());
        } catch (RestException | IOException e) {
            throw VaultErrors.fromIo(e, action, settings.uri());
        }
    }

    private Rest rest(HttpClient client, VaultPath path, String token, String namespace) {
        return new Rest(client)
                .url(settings.uri() + "/v1/" + path)
                .header("X-Vault-Token", token)
                .header("X-Vault-Namespace", namespace)
                .header("X-Vault-Request", "true")
                .readTimeoutSeconds(timeoutSeconds);
    }

    private static Answer answer(RestResponse response) throws IOException {
        JsonNode json = response.getBody().length == 0 ? null : MAPPER.readTree(response.getBody());
        return new Answer(response.getStatus(), response.getBody(), json);
    }

    /** A raw answer. */
    record Answer(int status, byte[] body, JsonNode json) {
    }

    private static SSLContext sslContext(VaultSettings settings, KeyManager[] clientKey) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            if (!settings.verify()) {
                context.init(clientKey, new TrustManager[]{new TrustEverything()}, new SecureRandom());
            } else if (settings.caPem().isPresent()) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trustStore(settings.caPem().get()));
                context.init(clientKey, tmf.getTrustManagers(), new SecureRandom());
            } else {
                context.init(clientKey, null, new SecureRandom());
            }
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("tls.ca: not usable as PEM certificates ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static KeyStore trustStore(String pem) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        int i = 0;
        for (Certificate cert : factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            store.setCertificateEntry("ca-" + i++, cert);
        }
        if (i == 0) {
            throw new IllegalArgumentException("tls.ca: no CERTIFICATE block");
        }
        return store;
    }

    /**
     * {@code tls.verify = false}: accepts any certificate and any host name. An {@link X509ExtendedTrustManager}
     * that checks nothing, since the JDK adds a host-name check around plain {@code X509TrustManager}s.
     */
    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** Presents one certificate and key, read for one login, to whatever a Vault asks for. */
    private static final class ClientKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "vault-login";
        private final CertifiedKey key;

        ClientKeyManager(CertifiedKey key) {
            this.key = key;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[]{ALIAS};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return key.chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return key.privateKey();
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
