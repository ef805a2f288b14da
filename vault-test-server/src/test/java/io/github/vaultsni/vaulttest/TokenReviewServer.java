package io.github.vaultsni.vaulttest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Kubernetes API server's TokenReview endpoint ({@code POST /apis/authentication.k8s.io/v1/tokenreviews}), as
 * the Kubernetes auth method asks it: the tokens a test {@link #accept}s are authenticated as their service account,
 * every other one (never issued, or {@link #revoke}d as when its service account is deleted) is not. For tests of
 * Kubernetes logins against the Vault test server; listens on 127.0.0.1.
 */
public final class TokenReviewServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/apis/authentication.k8s.io/v1/tokenreviews";

    private record Account(String namespace, String name, String uid) {
    }

    private final Map<String, Account> accepted = new ConcurrentHashMap<>();
    private final List<String> reviewed = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    private TokenReviewServer(HttpServer server) {
        this.server = server;
    }

    public static TokenReviewServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            TokenReviewServer reviews = new TokenReviewServer(server);
            server.createContext(PATH, reviews::review);
            server.start();
            return reviews;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What Vault's {@code kubernetes_host} is set to. */
    public String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** From now on {@code jwt} is authenticated as this service account. */
    public void accept(String jwt, String namespace, String name, String uid) {
        accepted.put(jwt, new Account(namespace, name, uid));
    }

    /** From now on {@code jwt} is not authenticated. */
    public void revoke(String jwt) {
        accepted.remove(jwt);
    }

    /** The tokens reviewed so far, oldest first. */
    public List<String> reviewed() {
        return List.copyOf(reviewed);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void review(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String token = request.path("spec").path("token").asText();
            reviewed.add(token);
            Account account = accepted.get(token);
            boolean bearer = ("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"));
            Map<String, Object> status = account == null || !bearer ? Map.of("authenticated", false)
                    : Map.of("authenticated", true, "audiences", request.path("spec").path("audiences"),
                    "user", Map.of("username", "system:serviceaccount:" + account.namespace() + ":" + account.name(),
                            "uid", account.uid()));
            byte[] body = JSON.writeValueAsBytes(Map.of("apiVersion", "authentication.k8s.io/v1",
                    "kind", "TokenReview", "status", status));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, body.length);
            exchange.getResponseBody().write(body);
        }
    }
}
