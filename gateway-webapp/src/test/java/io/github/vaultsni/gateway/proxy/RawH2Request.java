package io.github.vaultsni.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.testsupport.ExternalTools;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One HTTP/2 request written as a test wants it, pseudo-headers and all (an unvalidated {@code :method}, a
 * {@code host} beside {@code :authority}, a {@code :path} without its slash): what a browser never sends. Sent by
 * Python's {@code h2} library with its own validation off ({@code src/test/resources/h2/h2request.py}; Debian's
 * {@code python3-h2}, which {@code .ci/run} installs), over h2c with prior knowledge or TLS with ALPN h2.
 *
 * @param status the response's status, or 0 when the stream was reset or the connection closed first
 * @param body   the response body
 * @param reset  the RST_STREAM error code, or -1
 * @param goaway the GOAWAY error code, or -1
 */
public record RawH2Request(int status, String body, int reset, int goaway) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PYTHON = "/usr/bin/python3";

    /** Sends {@code headers} (in order; pseudo-headers first, as written) to {@code port}, h2c. */
    public static RawH2Request h2c(int port, List<Map.Entry<String, String>> headers) throws Exception {
        return send(port, null, null, headers);
    }

    /** As {@link #h2c} over TLS to {@code sni}, trusting the PEM file {@code caFile}. */
    public static RawH2Request h2(int port, String sni, Path caFile, List<Map.Entry<String, String>> headers) throws Exception {
        return send(port, sni, caFile, headers);
    }

    private static RawH2Request send(int port, String sni, Path caFile, List<Map.Entry<String, String>> headers)
            throws Exception {
        ExternalTools.requirePythonModule("h2");
        List<String> command = new ArrayList<>(List.of(PYTHON, script().toString(), Integer.toString(port)));
        if (sni != null) {
            command.addAll(List.of("--tls", sni, caFile.toString()));
        }
        for (Map.Entry<String, String> header : headers) {
            command.addAll(List.of("--header", header.getKey(), header.getValue()));
        }
        String out = ExternalTools.run(command, null, Duration.ofSeconds(30)).trim();
        JsonNode answer;
        try {
            answer = JSON.readTree(out.substring(out.lastIndexOf('\n') + 1));
        } catch (IOException e) {
            throw new AssertionError("h2request.py: " + out, e);
        }
        return new RawH2Request(answer.path("status").asInt(0), answer.path("body").asText(""),
                answer.path("reset").isNull() ? -1 : answer.path("reset").asInt(), answer.path("goaway").isNull() ? -1
                : answer.path("goaway").asInt());
    }

    /** Whether the request was refused: 400, or its stream reset, or its connection ended with an error. */
    public boolean refused() {
        return status == 400 || reset > 0 || goaway > 0;
    }

    private static Path script() throws URISyntaxException {
        return Path.of(RawH2Request.class.getResource("/h2/h2request.py").toURI());
    }
}
