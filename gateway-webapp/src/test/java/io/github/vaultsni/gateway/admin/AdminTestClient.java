package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls the admin API as curl does in APISIX's docs ({@code -X PUT -d '...'}, form content type included). */
public final class AdminTestClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String key;

    public AdminTestClient(int port, String key) {
        this.base = "http://127.0.0.1:" + port + "/apisix/admin/";
        this.key = key;
    }

    public record Answer(int status, JsonNode json, String contentType) {
        @Override
        public String toString() {
            return status + " " + json;
        }
    }

    public Answer call(String method, String path, String body) {
        return call(method, path, body, key, "X-API-KEY");
    }

    /** A write that must succeed (2xx): its answer, or an assertion error showing it. */
    public Answer write(String method, String path, String body) {
        Answer answer = call(method, path, body);
        if (answer.status() < 200 || answer.status() >= 300) {
            throw new AssertionError(method + " " + path + " answered " + answer);
        }
        return answer;
    }

    /** {@code how}: "X-API-KEY" (header), "query", "cookie", or null to send no key. */
    public Answer call(String method, String path, String body, String apiKey, String how) {
        try {
            String url = base + path;
            if ("query".equals(how)) {
                url += (url.contains("?") ? "&" : "?") + "api_key=" + apiKey;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                    .header("Content-Type", "application/x-www-form-urlencoded");
            if ("X-API-KEY".equals(how)) {
                request.header("X-API-KEY", apiKey);
            } else if ("cookie".equals(how)) {
                request.header("Cookie", "X-API-KEY=" + apiKey);
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), JSON.readTree(response.body()),
                    response.headers().firstValue("Content-Type").orElse(null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
