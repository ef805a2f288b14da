package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.admin.AdminAccess;
import io.github.vaultsni.gateway.admin.AdminApi;
import io.github.vaultsni.gateway.admin.AdminServlet;
import io.github.vaultsni.gateway.config.CertificateConfigApplier;
import io.github.vaultsni.gateway.proxy.GatewayProxyServlet;
import io.github.vaultsni.gateway.route.RouteConfigApplier;
import io.github.vaultsni.gateway.route.RouteTable;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.gateway.store.FileConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniCertificateRegistry;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One gateway: the configuration store; the secret resolver, certificate registry and route table fed from it;
 * the admin API on its own listener (127.0.0.1:9180 by default); the proxy on HTTP (9080, HTTP/1.1 and h2c) and
 * HTTPS (9443, ALPN h2 and http/1.1, certificates by SNI).
 */
public final class Gateway implements AutoCloseable {
    private final GatewayConfig config;
    private final ConfigStore store;
    private final SecretResolver resolver;
    private final SniCertificates certificates = new SniCertificates();
    private final SniCertificateRegistry registry;
    private final SniCertificateRegistry clientCertificates;
    private final CertificateConfigApplier applier;
    private final Server server = new Server();
    private final RouteConfigApplier routes;
    private final ServerConnector adminConnector;
    private final ServerConnector httpConnector;
    private final ServerConnector httpsConnector;
    private final String adminKey;

    private Gateway(GatewayConfig config) throws Exception {
        this.config = config;
        Clock clock = Clock.systemUTC();
        this.store = FileConfigStore.open(config.dataDir());
        SecretCipher cipher = config.encryptionKey() != null ? SecretCipher.fromBase64(config.encryptionKey())
                : SecretCipher.fromKeyFile(config.encryptionKeyFile());
        this.resolver = SecretResolver.builder().clock(clock).build();
        this.registry = new SniCertificateRegistry(resolver, certificates, clock, SniEntryPreference.newestValid());
        // Client certificates (upstream mTLS) are built the same way, into an index nothing serves.
        this.clientCertificates = new SniCertificateRegistry(resolver, new SniCertificates(), clock,
                SniEntryPreference.newestValid());
        this.applier = new CertificateConfigApplier(store, cipher, resolver, registry, clientCertificates, clock);
        this.routes = new RouteConfigApplier(store);
        this.adminKey = config.adminKey() != null ? config.adminKey() : storedOrGeneratedAdminKey(config.dataDir());

        adminConnector = new ServerConnector(server);
        adminConnector.setName("admin");
        adminConnector.setHost(config.adminHost());
        adminConnector.setPort(config.adminPort());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        httpConnector = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        httpConnector.setName("http");
        httpConnector.setHost(config.httpHost());
        httpConnector.setPort(config.httpPort());
        httpsConnector = SniConnectors.https(server, new VaultSniSslContextFactory(certificates), http,
                config.httpsHost(), config.httpsPort());
        httpsConnector.setName("https");
        server.addConnector(adminConnector);
        server.addConnector(httpConnector);
        server.addConnector(httpsConnector);

        ServletContextHandler admin = new ServletContextHandler("/");
        admin.setVirtualHosts(List.of("@admin"));
        admin.setAttribute(AdminServlet.API_ATTRIBUTE, new AdminApi(store, cipher, clock, registry::status));
        admin.setAttribute(AdminServlet.ACCESS_ATTRIBUTE,
                new AdminAccess(adminKey, config.viewerKey(), config.adminLoopbackWithoutKey()));
        admin.addServlet(AdminServlet.class, "/apisix/admin/*");

        ServletContextHandler proxy = new ServletContextHandler("/");
        proxy.setVirtualHosts(List.of("@http", "@https"));
        proxy.setAttribute(GatewayProxyServlet.ROUTES_ATTRIBUTE, (Supplier<RouteTable>) routes::table);
        proxy.setAttribute(GatewayProxyServlet.CERTIFICATES_ATTRIBUTE, certificates);
        proxy.setAttribute(GatewayProxyServlet.SKIP_MTLS_ATTRIBUTE, (Function<String, List<Pattern>>) applier::skipMtlsUris);
        proxy.setAttribute(GatewayProxyServlet.CLIENT_CERTIFICATES_ATTRIBUTE,
                (Function<String, Optional<SniEntry>>) clientCertificates::entry);
        proxy.addServlet(GatewayProxyServlet.class, "/*");
        server.setHandler(new ContextHandlerCollection(admin, proxy));
    }

    /** Starts a gateway; each listener is ready when this returns. */
    public static Gateway start(GatewayConfig config) throws Exception {
        Gateway gateway = new Gateway(config);
        try {
            gateway.server.start();
        } catch (Exception e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    public int adminPort() {
        return adminConnector.getLocalPort();
    }

    public int httpPort() {
        return httpConnector.getLocalPort();
    }

    public int httpsPort() {
        return httpsConnector.getLocalPort();
    }

    public String adminKey() {
        return adminKey;
    }

    public SniCertificateRegistry registry() {
        return registry;
    }

    public GatewayConfig config() {
        return config;
    }

    /** The admin key kept in the data directory, or a new one stored there and printed once on the console. */
    private static String storedOrGeneratedAdminKey(Path dataDir) {
        Path file = dataDir.resolve("admin.key");
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.US_ASCII).trim();
            }
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            String key = HexFormat.of().formatHex(random);
            Files.writeString(file, key + "\n", StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // The directory's ACL applies.
            }
            // Printed once, on the console only (never to the log): the operator needs it to call the admin API.
            System.out.println("Generated admin API key (stored in " + file + "): " + key);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the admin key file " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping is best effort; the rest is still released below.
        }
        routes.close();
        applier.close();
        registry.close();
        clientCertificates.close();
        resolver.close();
        store.close();
    }
}
