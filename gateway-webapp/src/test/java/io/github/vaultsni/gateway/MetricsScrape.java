package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.metrics.GatewayMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** What a gateway's Prometheus endpoint answers, for tests that read its meters. */
public final class MetricsScrape {
    private MetricsScrape() {
    }

    /** The text the metrics port answers; an assertion error unless it answers 200. */
    public static String of(Gateway gateway) {
        try {
            HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.metricsPort() + GatewayMetrics.PATH)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (scrape.statusCode() != 200) {
                throw new AssertionError("metrics answered " + scrape.statusCode() + ": " + scrape.body());
            }
            return scrape.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
