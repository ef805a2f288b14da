package io.github.vaultsni.gateway.main;

import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.gateway.store.EtcdConnection;
import io.github.vaultsni.tls.TlsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster settings as a node's command line and environment give them. */
class GatewayMainTest {
    @TempDir
    Path dir;

    @Test
    void withoutEtcdEndpoints_theNodeUsesItsDataDirectory() throws Exception {
        assertTrue(GatewayMain.config(Map.of(), name -> null).etcd().isEmpty());
    }

    @Test
    void etcdSettings_comeFromFlagsAndEnvironment_andThePasswordIsNeverPrinted() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Map<String, String> env = Map.of("GATEWAY_ETCD_PASSWORD", "s3cret-pw", "GATEWAY_ETCD_CA", ca.toString());
        GatewayConfig config = GatewayMain.config(Map.of("--etcd-endpoints", "https://10.0.0.1:2379, https://10.0.0.2:2379",
                "--etcd-user", "gateway", "--etcd-prefix", "/prod/"), env::get);
        EtcdConnection etcd = config.etcd().orElseThrow();
        assertEquals(List.of("https://10.0.0.1:2379", "https://10.0.0.2:2379"), etcd.endpoints());
        assertEquals("/prod", etcd.keyPrefix());
        assertEquals("s3cret-pw", etcd.password());
        assertEquals(ca, etcd.trustedCa());
        assertFalse(config.toString().contains("s3cret-pw"), config.toString());
        assertFalse(etcd.toString().contains("s3cret-pw"), etcd.toString());
    }

    @Test
    void aMistypedEndpoint_isAClearErrorAtStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GatewayMain.config(Map.of("--etcd-endpoints", "127.0.0.1:2379"), name -> null));
        assertEquals("etcd: endpoint 127.0.0.1:2379 must be http://host:port or https://host:port", e.getMessage());
    }

    @Test
    void tlsProvider_defaultsToConscryptWhereItLoads_andIsChosenByFlagOrEnvironment() throws Exception {
        assertEquals(TlsProvider.AUTO, GatewayMain.config(Map.of(), name -> null).tlsProvider());
        assertEquals(TlsProvider.JDK, GatewayMain.config(Map.of("--tls-provider", "jdk"), name -> null).tlsProvider());
        assertEquals(TlsProvider.CONSCRYPT, GatewayMain.config(Map.of(),
                Map.of("GATEWAY_TLS_PROVIDER", "Conscrypt")::get).tlsProvider());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GatewayMain.config(Map.of("--tls-provider", "openssl"), name -> null));
        assertEquals("tls provider must be jdk, conscrypt or auto, not openssl", e.getMessage());
    }

    @Test
    void tlsSessionTickets_offByDefault_asApisix_andOnByFlagOrEnvironment() throws Exception {
        assertFalse(GatewayMain.config(Map.of(), name -> null).tlsSessionTickets());
        assertTrue(GatewayMain.config(Map.of("--tls-session-tickets", "true"), name -> null).tlsSessionTickets());
        assertTrue(GatewayMain.config(Map.of(), Map.of("GATEWAY_TLS_SESSION_TICKETS", "TRUE")::get).tlsSessionTickets());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GatewayMain.config(Map.of("--tls-session-tickets", "yes"), name -> null));
        assertEquals("--tls-session-tickets (yes) must be true or false", e.getMessage());
    }

    @Test
    void tlsAndHeaderSettings_comeFromFlags_andHelpPointsSecretsToTheEnvironment() throws Exception {
        GatewayConfig config = GatewayMain.config(Map.of("--tls-protocols", "TLSv1.3", "--tls-ciphers",
                "ECDHE-ECDSA-AES128-GCM-SHA256", "--request-header-timeout", "2.5"), name -> null);
        assertEquals(List.of("TLSv1.3"), config.tlsPolicy().protocols());
        assertTrue(config.tlsPolicy().cipherSuites().contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        assertEquals(java.time.Duration.ofMillis(2500), config.requestHeaderTimeout());
        assertEquals(java.time.Duration.ofSeconds(60), GatewayMain.config(Map.of(), name -> null).requestHeaderTimeout());
        String help = GatewayMain.help();
        assertTrue(help.contains("GATEWAY_ADMIN_KEY") && help.contains("a flag shows in the process list"), help);
    }

    @Test
    void metricsAndAccessLog_apisixDefaults_eachFromFlagEnvironmentOrFile() throws Exception {
        GatewayConfig defaults = GatewayMain.config(Map.of(), name -> null);
        assertTrue(defaults.metrics());
        assertEquals("127.0.0.1:9091", defaults.metricsHost() + ":" + defaults.metricsPort());
        assertEquals("-", defaults.accessLog().toString(), "on, to standard output");

        Path file = Files.writeString(dir.resolve("config.json"),
                "{\"metrics_port\": 9191, \"metrics_host\": \"0.0.0.0\", \"access_log\": \"" + dir.resolve("a.log") + "\"}");
        GatewayConfig fromFile = GatewayMain.config(Map.of("--config", file.toString()), name -> null);
        assertEquals("0.0.0.0:9191", fromFile.metricsHost() + ":" + fromFile.metricsPort());
        assertEquals(dir.resolve("a.log"), fromFile.accessLog().file().orElseThrow());

        GatewayConfig fromEnv = GatewayMain.config(Map.of(), Map.of("GATEWAY_METRICS_PORT", "0", "GATEWAY_ACCESS_LOG", "off")::get);
        assertFalse(fromEnv.metrics(), "--metrics-port 0 turns the endpoint off");
        assertTrue(fromEnv.accessLog().isOff());
        assertEquals("-", GatewayMain.config(Map.of("--access-log", "-"), Map.of("GATEWAY_ACCESS_LOG", "off")::get)
                .accessLog().toString(), "a flag beats the environment");
        assertTrue(GatewayMain.help().contains("--metrics-port") && GatewayMain.help().contains("GATEWAY_ACCESS_LOG"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GatewayMain.config(Map.of("--metrics-port", "70000"), name -> null));
        assertEquals("metricsPort (70000) must be between 0 and 65535", e.getMessage());
    }
}
