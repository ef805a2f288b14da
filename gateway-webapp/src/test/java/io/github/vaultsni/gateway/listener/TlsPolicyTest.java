package io.github.vaultsni.gateway.listener;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** APISIX's TLS settings, in its own words (OpenSSL cipher names), as the JDK names them. */
class TlsPolicyTest {

    @Test
    void apisixDefaults_areTls12And13_withForwardSecretAeadSuitesOnly() {
        TlsPolicy policy = TlsPolicy.apisix();
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), policy.protocols());
        assertEquals(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"), policy.cipherSuites());
    }

    @Test
    void openSslAndStandardNames_bothWork_andCbcSuitesCanBeAskedFor() {
        TlsPolicy policy = TlsPolicy.of("tlsv1.3", "ECDHE-RSA-AES256-SHA384, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertEquals(List.of("TLSv1.3"), policy.protocols());
        assertEquals(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), policy.cipherSuites());
    }

    @Test
    void unknownValues_areRefusedByName() {
        assertEquals("tls protocols: TLSv1.1 is not one of TLSv1.2, TLSv1.3",
                assertThrows(IllegalArgumentException.class, () -> TlsPolicy.of("TLSv1.1 TLSv1.2", "")).getMessage());
        assertEquals("tls protocols: none given",
                assertThrows(IllegalArgumentException.class, () -> TlsPolicy.of(" ", "")).getMessage());
        assertEquals("tls ciphers: AES128-SHA is not a TLS 1.2 suite with forward secrecy the gateway knows "
                + "(e.g. ECDHE-RSA-AES128-GCM-SHA256)",
                assertThrows(IllegalArgumentException.class, () -> TlsPolicy.of("TLSv1.2", "AES128-SHA")).getMessage());
    }
}
