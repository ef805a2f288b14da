package io.github.vaultsni.gateway.webapp;

import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.gateway.GatewayCore;
import io.github.vaultsni.gateway.metrics.GatewayMetrics;
import io.github.vaultsni.gateway.proxy.GatewayProxyServlet;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.sni.SniCertificates;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import org.eclipse.jetty.util.component.LifeCycle;

import java.nio.file.Path;
import java.util.EnumSet;

/**
 * Boots the gateway inside a servlet container ({@code gateway.war}): a {@link GatewayCore}, the admin API at
 * {@code /apisix/admin/*} and the proxy for everything else, the same servlets the embedded gateway runs.
 *
 * <p>Settings, each a context init-param or else a system property of the same name: {@code gateway.dataDir}
 * (default {@code gateway-data}, relative to the working directory), {@code gateway.adminKey} (default:
 * generated, stored in the data directory, printed once), {@code gateway.viewerKey},
 * {@code gateway.encryptionKeyFile} (default {@code <dataDir>.key}).
 *
 * <p>SSL objects go to the {@link SslObjectRegistry} found in the context attribute named after that class
 * (the jetty-base's {@code webapps/gateway.xml} passes the {@code vault-sni} module's, so its HTTPS connector
 * serves them); without one they are built but served by nothing. In a WAR the admin API is on every connector
 * of the container, so its key is always required; so it is for the Prometheus endpoint at
 * {@value GatewayMetrics#PATH} on this context (a scraper passes it as the {@code api_key} query parameter, or the
 * {@code X-API-KEY} header).
 */
public final class GatewayWebappListener implements ServletContextListener {
    public static final String REGISTRY_ATTRIBUTE = SslObjectRegistry.class.getName();

    private GatewayCore core;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        GatewayConfig.Builder config = GatewayConfig.builder()
                .dataDir(Path.of(setting(context, "gateway.dataDir", "gateway-data")))
                .adminKey(setting(context, "gateway.adminKey", null))
                .viewerKey(setting(context, "gateway.viewerKey", null))
                .fallbackSni(setting(context, "gateway.fallbackSni", null));
        String keyFile = setting(context, "gateway.encryptionKeyFile", null);
        if (keyFile != null) {
            config.encryptionKeyFile(Path.of(keyFile));
        }
        Object shared = context.getAttribute(REGISTRY_ATTRIBUTE);
        if (shared instanceof SslObjectRegistry registry) {
            core = new GatewayCore(config.build(), registry);
            context.log("gateway: SSL objects are served through the vault-sni module's certificate registry");
        } else {
            core = new GatewayCore(config.build(), new SniCertificates());
            context.log("gateway: no vault-sni certificate registry in context attribute " + REGISTRY_ATTRIBUTE
                    + (shared == null ? "" : " (found a " + shared.getClass().getName() + " from another class loader)")
                    + ": SSL objects are kept but not served by this container");
        }
        try {
            core.start();
        } catch (Exception e) {
            throw new IllegalStateException("gateway: cannot start: " + e.getMessage(), e);
        }
        context.addServlet("admin", core.newAdminServlet()).addMapping("/apisix/admin/*");
        context.addServlet("metrics", core.metrics().newServlet()).addMapping(GatewayMetrics.PATH);
        context.addFilter("metrics-access", core.newAdminKeyFilter())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, GatewayMetrics.PATH);
        ServletRegistration.Dynamic proxy = context.addServlet("proxy", new GatewayProxyServlet(core.proxyConfiguration()));
        proxy.setAsyncSupported(true);
        proxy.setLoadOnStartup(0);
        proxy.addMapping("/*");
        context.log("gateway started: data in " + config.build().dataDir().toAbsolutePath());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (core != null) {
            LifeCycle.stop(core);
        }
    }

    private static String setting(ServletContext context, String name, String fallback) {
        String value = context.getInitParameter(name);
        if (value == null) {
            value = System.getProperty(name);
        }
        return value == null || value.isBlank() ? fallback : value;
    }
}
