package io.github.vaultsni.gateway.route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A request as a route's filters read it, made field by field for matching tests. */
final class SampleRequest implements RouteRequest {
    private String host;
    private String method = "GET";
    private String path = "/";
    private String query;
    private String remoteAddress = "127.0.0.1";
    private int localPort = 9080;
    private String scheme = "http";
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private final Map<String, List<String>> parameters = new LinkedHashMap<>();
    private final Map<String, String> cookies = new LinkedHashMap<>();

    static SampleRequest get(String path) {
        SampleRequest request = new SampleRequest();
        request.path = path;
        return request;
    }

    static SampleRequest of(String host, String method, String path) {
        SampleRequest request = get(path);
        request.host = host;
        request.method = method;
        return request;
    }

    SampleRequest host(String value) {
        host = value;
        return this;
    }

    SampleRequest from(String address) {
        remoteAddress = address;
        return this;
    }

    SampleRequest port(int port) {
        localPort = port;
        return this;
    }

    SampleRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
        return this;
    }

    SampleRequest arg(String name, String value) {
        parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        query = (query == null ? "" : query + "&") + name + "=" + value;
        return this;
    }

    SampleRequest cookie(String name, String value) {
        cookies.put(name, value);
        return this;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String decodedPath() {
        return path;
    }

    @Override
    public String rawPath() {
        return path;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String localAddress() {
        return "127.0.0.1";
    }

    @Override
    public int localPort() {
        return localPort;
    }

    @Override
    public String sni() {
        return null;
    }

    @Override
    public byte[] remoteAddressBytes() {
        return ClientAddresses.parse(remoteAddress);
    }

    @Override
    public String header(String name) {
        List<String> values = headerValues(name);
        return values.isEmpty() ? null : values.get(0);
    }

    @Override
    public String queryParameter(String name) {
        List<String> values = queryParameters(name);
        return values.isEmpty() ? null : values.get(0);
    }

    @Override
    public List<String> headerValues(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public List<String> queryParameters(String name) {
        return parameters.getOrDefault(name, List.of());
    }

    @Override
    public String cookie(String name) {
        return cookies.get(name);
    }
}
