package io.github.vaultsni.gateway.listener;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * {@code Server: vault-sni-gateway} on every response of a listener: the gateway's name, no version (Jetty's own
 * header, with its version, is off). Proxied responses carry it instead of the upstream's.
 */
public final class ServerHeader implements HttpConfiguration.Customizer {
    public static final String NAME = "vault-sni-gateway";
    private static final PreEncodedHttpField FIELD = new PreEncodedHttpField(HttpHeader.SERVER, NAME);

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        addTo(responseHeaders);
        return request;
    }

    /** Puts this header among {@code headers}. */
    public static void addTo(HttpFields.Mutable headers) {
        headers.put(FIELD);
    }

    /** A listener configuration that sends this header and not Jetty's. */
    public static HttpConfiguration configuration() {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.addCustomizer(new ServerHeader());
        return http;
    }
}
