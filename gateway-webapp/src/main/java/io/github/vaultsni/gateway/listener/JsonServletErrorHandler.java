package io.github.vaultsni.gateway.listener;

import io.github.vaultsni.gateway.proxy.ProxyErrors;
import org.eclipse.jetty.ee11.servlet.ErrorHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@link JsonErrorHandler} for a servlet context (the admin API's): its errors in APISIX's JSON, not Jetty's page. */
public final class JsonServletErrorHandler extends ErrorHandler {

    public JsonServletErrorHandler() {
        setShowStacks(false);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        ServerHeader.addTo(response.getHeaders()); // also on requests refused before the listener's customizers ran
        if (!generateAcceptableResponse(request, response, callback, ProxyErrors.CONTENT_TYPE,
                List.of(StandardCharsets.UTF_8), code, message, cause)) {
            callback.succeeded();
        }
    }

    @Override
    protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
        writer.write(JsonErrorHandler.body(code, cause));
    }
}
