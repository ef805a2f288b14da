package io.github.vaultsni.gateway.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.registry.SslObjectRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Map;

/**
 * The certificates page on the admin listener: {@value #PATH} serves a plain HTML page, its CSS and a little
 * JavaScript from the jar (no build step, no framework), and {@value #DATA_PATH} the JSON it shows
 * ({@link CertificatesReport}). The page holds no data: it asks once for the admin key in a form, keeps it in the
 * browser's session storage, sends it as {@code X-API-KEY} with each request for the data, and refreshes itself.
 * Whoever maps {@link #dataServlet()} puts the admin API's access rule in front of it.
 */
public final class CertificatesPage {
    public static final String PATH = "/ui/";
    public static final String DATA_PATH = "/ui/api/certificates";
    private static final String RESOURCES = "/io/github/vaultsni/gateway/ui/";
    private static final Map<String, String> FILES = Map.of(
            "", "text/html;charset=utf-8", "index.html", "text/html;charset=utf-8",
            "app.js", "text/javascript;charset=utf-8", "style.css", "text/css;charset=utf-8");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SslObjectRegistry registry;
    private final Clock clock;

    public CertificatesPage(SslObjectRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** For {@code /ui/*}: the page's files; anything else under it is 404. */
    public HttpServlet pageServlet() {
        return new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                if (request.getPathInfo() == null) {
                    response.sendRedirect(request.getRequestURI() + "/"); // /ui: the page's relative links need /ui/
                    return;
                }
                String name = request.getPathInfo().replaceFirst("^/", "");
                String type = FILES.get(name);
                if (type == null) {
                    response.sendError(404);
                    return;
                }
                try (InputStream file = CertificatesPage.class.getResourceAsStream(RESOURCES
                        + (name.isEmpty() ? "index.html" : name))) {
                    response.setContentType(type);
                    response.setHeader("Cache-Control", "no-cache");
                    response.setHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
                    file.transferTo(response.getOutputStream());
                }
            }
        };
    }

    /** For {@value #DATA_PATH}: every SSL object and secret object, as JSON; behind the admin key. */
    public HttpServlet dataServlet() {
        return new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("application/json");
                response.setCharacterEncoding("UTF-8");
                response.setHeader("Cache-Control", "no-store");
                JSON.writeValue(response.getOutputStream(), CertificatesReport.of(registry, clock.instant()));
            }
        };
    }
}
