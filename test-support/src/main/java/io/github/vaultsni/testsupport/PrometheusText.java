package io.github.vaultsni.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scrape output read back by Prometheus' own Python client parsers (Debian's {@code python3-prometheus-client},
 * installed by {@code .ci/run}): the text format 0.0.4 parser or the strict OpenMetrics one. What they refuse fails
 * the test; what they read is handed back as samples to assert on. Where the parser is missing the test is
 * skipped, unless {@code CI} is set (then it fails: {@code .ci/run} should have installed it).
 */
public final class PrometheusText {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = String.join("\n",
            "import sys, json",
            "if sys.argv[1] == 'openmetrics':",
            "    from prometheus_client.openmetrics.parser import text_string_to_metric_families",
            "else:",
            "    from prometheus_client.parser import text_string_to_metric_families",
            "out = []",
            "for family in text_string_to_metric_families(sys.stdin.read()):",
            "    for s in family.samples:",
            "        out.append({'family': family.name, 'type': family.type, 'name': s.name, 'labels': s.labels,",
            "                    'value': repr(float(s.value))})",
            "print(json.dumps(out))");

    /** One sample as the parser read it. */
    public record Sample(String family, String type, String name, Map<String, String> labels, double value) {
    }

    /** Which parser reads the exposition. */
    public enum Format {
        /** {@code text/plain; version=0.0.4}. */
        TEXT,
        /** {@code application/openmetrics-text; version=1.0.0}. */
        OPENMETRICS
    }

    private PrometheusText() {
    }

    /** Skips the calling test where the parser is missing, or fails it on CI. */
    public static void assumeParser() {
        boolean present = Files.isExecutable(PYTHON) && run("-c", "import prometheus_client") == 0;
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("python3-prometheus-client is missing on CI: .ci/run should have installed it");
        }
        Assumptions.assumeTrue(present, "python3-prometheus-client is not installed: skipping (.ci/run installs it)");
    }

    /** Every sample of {@code exposition}; fails (AssertionError, with the parser's words) when it does not parse. */
    public static List<Sample> parse(String exposition, Format format) {
        try {
            Process python = new ProcessBuilder(PYTHON.toString(), "-c", SCRIPT, format.name().toLowerCase())
                    .redirectErrorStream(true).start();
            try (OutputStream in = python.getOutputStream()) {
                in.write(exposition.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!python.waitFor(30, TimeUnit.SECONDS) || python.exitValue() != 0) {
                throw new AssertionError("the Prometheus " + format + " parser refused the scrape: " + out
                        + "\n--- scrape ---\n" + exposition);
            }
            List<Sample> samples = new ArrayList<>();
            for (JsonNode s : JSON.readTree(out)) {
                Map<String, String> labels = new LinkedHashMap<>();
                s.get("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                samples.add(new Sample(s.get("family").asText(), s.get("type").asText(), s.get("name").asText(), labels,
                        value(s.get("value").asText())));
            }
            return samples;
        } catch (IOException e) {
            throw new AssertionError("cannot run the Prometheus parser", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The value of the one sample named {@code name} whose labels include {@code labels}; fails unless exactly one. */
    public static double value(List<Sample> samples, String name, Map<String, String> labels) {
        List<Sample> matching = samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).toList();
        if (matching.size() != 1) {
            throw new AssertionError(matching.size() + " samples " + name + labels + " in " + samples);
        }
        return matching.get(0).value();
    }

    /** Whether any sample is named {@code name} with labels including {@code labels}. */
    public static boolean has(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().anyMatch(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()));
    }

    private static double value(String text) {
        return switch (text) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    private static int run(String... args) {
        try {
            List<String> command = new ArrayList<>(List.of(PYTHON.toString()));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
