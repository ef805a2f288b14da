package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The admin API over HTTP, mapped at {@code /apisix/admin/*}: checks access, reads the body (at most 1.5 MiB,
 * as APISIX), hands the request to {@link AdminApi}, writes the JSON answer. Nothing else.
 *
 * <p>No init-params: it is made with its {@link AdminApi} and {@link AdminAccess} by whoever assembles the gateway.
 */
public final class AdminServlet extends HttpServlet {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServlet.class);
    private static final int MAX_BODY = 1536 * 1024;
    private static final long DRAINED = 8L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient AdminApi api;
    private final transient AdminAccess access;

    public AdminServlet(AdminApi api, AdminAccess access) {
        this.api = api;
        this.access = access;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        AdminResponse answer;
        try {
            answer = answer(request);
        } catch (AdminException e) {
            if (e.retryAfterSeconds > 0) {
                response.setHeader("Retry-After", Long.toString(e.retryAfterSeconds));
            }
            answer = new AdminResponse(e.status, e.body);
        } catch (RuntimeException e) {
            // A defect, not the caller's doing: the stack trace once in the log, a plain 500 to the caller.
            LOG.error("admin {} {} failed", request.getMethod(), request.getRequestURI(), e);
            AdminException internal = AdminException.of(500, "internal error");
            answer = new AdminResponse(internal.status, internal.body);
        }
        write(response, answer.status(), answer.body());
    }

    /**
     * An admin answer as APISIX's ({@code core.response.exit}): the status, APISIX's headers, and the JSON body ended
     * by a newline ({@code Content-Type: application/json}, UTF-8 being JSON's only encoding); a text body (a
     * {@link TextNode}) as it is; none for a null body.
     */
    static void write(HttpServletResponse response, int status, JsonNode body) throws IOException {
        response.setStatus(status);
        response.setHeader("X-API-VERSION", "v3");
        response.setHeader("Access-Control-Allow-Origin", "*");
        if (body == null) {
            return;
        }
        byte[] bytes;
        if (body instanceof TextNode text) {
            response.setContentType("text/plain;charset=utf-8");
            bytes = text.asText().getBytes(StandardCharsets.UTF_8);
        } else {
            response.setContentType("application/json");
            byte[] json = JSON.writeValueAsBytes(body);
            bytes = Arrays.copyOf(json, json.length + 1);
            bytes[json.length] = '\n';
        }
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private AdminResponse answer(HttpServletRequest request) throws IOException {
        // The body is read first and the query parsed here: curl -d sends a form content type, and asking the
        // servlet API for parameters would consume the JSON body as a form.
        Map<String, String> query = query(request.getQueryString());
        access.check(request.getMethod(), AdminAccess.presentedKey(request, query), request.getRemoteAddr(),
                request.getRequestURI());
        String body = readBody(request);
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        return api.handle(request.getMethod(), path, query, body);
    }

    /**
     * APISIX's words (core.request.get_body) for a body past the limit; 400, as APISIX answers. The rest of a body
     * up to {@value #DRAINED} bytes is read and dropped first, so that the client, still sending, reads the answer
     * instead of a reset; past that the connection is closed.
     */
    private static AdminException tooLarge(long size, InputStream rest) throws IOException {
        long skipped = 0;
        byte[] sink = new byte[16384];
        for (int n; skipped < DRAINED && (n = rest.read(sink)) > 0; ) {
            skipped += n;
        }
        return AdminException.badRequest("invalid request body: request size " + size
                + " is greater than the maximum size " + MAX_BODY + " allowed");
    }

    /** The query's parameters, first value of each, decoded. */
    static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw != null) {
            try {
                for (String pair : raw.split("&")) {
                    int eq = pair.indexOf('=');
                    String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    query.putIfAbsent(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            } catch (IllegalArgumentException malformedEscape) {
                throw AdminException.badRequest("invalid query string: a malformed percent-escape");
            }
        }
        return query;
    }

    private static String readBody(HttpServletRequest request) throws IOException {
        try (InputStream in = request.getInputStream()) {
            if (request.getContentLengthLong() > MAX_BODY) {
                throw tooLarge(request.getContentLengthLong(), in);
            }
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw tooLarge(body.length, in);
            }
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}
