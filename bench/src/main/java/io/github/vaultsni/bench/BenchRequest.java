package io.github.vaultsni.bench;

import io.github.vaultsni.gateway.proxy.ClientRequest;
import org.eclipse.jetty.http.HttpFields;

/**
 * A browser's plain-HTTP GET as a door hands it to the forwarding core: origin-form, {@code Host: api.example.com},
 * a few ordinary headers and a session cookie, from 192.0.2.10; the path, the query and extra headers per request.
 * {@link #beginNanos} is set by the benchmark before each use.
 */
final class BenchRequest implements ClientRequest {
    private static final HttpFields HEADERS = HttpFields.build().add("Host", "api.example.com")
            .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) bench").add("Accept", "application/json")
            .add("Accept-Encoding", "gzip, deflate, br").add("Accept-Language", "en-GB,en;q=0.9")
            .add("Cookie", "session=0123456789abcdef").add("X-Request-Id", "c0ffee").asImmutable();
    private final String path;
    private final String query;
    private final HttpFields headers;
    long beginNanos;

    BenchRequest(String path) {
        this(path, null, HEADERS);
    }

    /** With {@code query} (null for none) and {@code extra} headers after the usual ones. */
    BenchRequest(String path, String query, HttpFields extra) {
        this.path = path;
        this.query = query;
        this.headers = extra == HEADERS ? HEADERS : HttpFields.build(HEADERS).add(extra).asImmutable();
    }

    @Override
    public String method() {
        return "GET";
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public String targetAuthority() {
        return null; // origin-form, as a browser's HTTP/1.1 request: the authority is the Host header's
    }

    @Override
    public String hostHeader() {
        return "api.example.com";
    }

    @Override
    public HttpFields headers() {
        return headers;
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    public String scheme() {
        return "http";
    }

    @Override
    public String remoteAddress() {
        return "192.0.2.10";
    }

    @Override
    public String localAddress() {
        return "192.0.2.1";
    }

    @Override
    public int localPort() {
        return 9080;
    }

    @Override
    public boolean hasContent() {
        return false;
    }

    @Override
    public String sni() {
        return null;
    }

    @Override
    public boolean hasClientCertificate() {
        return false;
    }

    @Override
    public long beginNanos() {
        return beginNanos;
    }
}
