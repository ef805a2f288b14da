package io.github.vaultsni.gateway.listener;

import io.github.vaultsni.gateway.proxy.ProxyErrors;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The answers Jetty itself gives on the gateway's listeners (a malformed request, a path it refuses, headers too
 * large, an error a handler did not catch) in APISIX's shape, {@code {"error_msg":"400 Bad Request"}}, whatever
 * the client accepts, instead of Jetty's HTML page: no exception name, no stack trace, no "Powered by Jetty".
 */
public final class JsonErrorHandler extends ErrorHandler {

    public JsonErrorHandler() {
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
        writer.write(body(code, cause));
    }

    /** {@code {"error_msg":"<code> <reason>"}}: the reason of Jetty's own {@link HttpException} for a 4xx, else the status's. */
    static String body(int code, Throwable cause) {
        String detail = code < 500 && cause instanceof HttpException http && http.getReason() != null
                ? code + " " + http.getReason() : null;
        return new String(ProxyErrors.body(code, detail), StandardCharsets.UTF_8);
    }
}
