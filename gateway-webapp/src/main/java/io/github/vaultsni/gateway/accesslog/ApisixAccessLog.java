package io.github.vaultsni.gateway.accesslog;

import io.github.vaultsni.gateway.proxy.GatewayRequest;
import io.github.vaultsni.gateway.proxy.ProxyExchange;
import io.github.vaultsni.gateway.route.UpstreamNode;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The proxy's access log, Jetty's {@link RequestLog} for the proxy server, one line per request in APISIX's default
 * format ({@code conf/config-default.yaml}, {@code nginx_config.http.access_log_format}):
 * <pre>
 * $remote_addr - $remote_user [$time_local] $http_host "$request" $status $body_bytes_sent $request_time
 * "$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time
 * "$upstream_scheme://$upstream_host$upstream_uri"
 * </pre>
 * as nginx writes it: {@code -} for an empty value, times in seconds with milliseconds, {@code $time_local} (when the
 * line is written, from the injected clock) as {@code 28/Nov/2026:10:00:00 +0000}, and {@code "}, {@code \} and
 * control characters written {@code \xHH}. The upstream's fields come from the request's {@link ProxyExchange}
 * (absent for requests Jetty answered before the proxy saw them: {@code -} and {@code "://"}).
 *
 * <p>It never shows credentials: {@code api_key} values are masked in the request line, the referer and the
 * upstream URI, as is the user info of an absolute URL ({@link Redaction}); no other header is written
 * ({@code remote_user} is always {@code -}: the gateway runs no basic auth).
 */
public final class ApisixAccessLog extends ContainerLifeCycle implements RequestLog {
    private static final Logger LOG = LoggerFactory.getLogger(ApisixAccessLog.class);
    private static final DateTimeFormatter TIME_LOCAL = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);
    private static final String EMPTY = "-";

    private final Clock clock;
    private final ZoneId zone;
    private final RequestLog.Writer writer;
    /** {@code $time_local} of the last second a line was written in: formatted once a second, not per line. */
    private volatile Second second = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String timeLocal) {
    }

    /** @param zone the zone of {@code $time_local} (nginx's: the machine's) */
    public ApisixAccessLog(Clock clock, ZoneId zone, RequestLog.Writer writer) {
        this.clock = clock;
        this.zone = zone;
        this.writer = writer;
        addBean(writer);
    }

    /** The log for {@code destination} (not off), written by an {@link AccessLogWriter}. */
    public static ApisixAccessLog to(AccessLogDestination destination, Clock clock) {
        if (destination.isOff()) {
            throw new IllegalArgumentException("the access log is off");
        }
        RequestLog.Writer writer = destination.file().map(AccessLogWriter::appendingTo)
                .orElseGet(() -> AccessLogWriter.to(System.out, "standard output"));
        return new ApisixAccessLog(clock, ZoneId.systemDefault(), writer);
    }

    @Override
    public void log(Request request, Response response) {
        try {
            writer.write(line(request, response));
        } catch (IOException | RuntimeException e) {
            LOG.warn("access log line not written: {}", e.toString());
        }
    }

    /** The line for one request. */
    String line(Request request, Response response) {
        ProxyExchange exchange = request.getAttribute(ProxyExchange.ATTRIBUTE) instanceof ProxyExchange e ? e : null;
        HttpFields headers = request.getHeaders();
        StringBuilder line = new StringBuilder(256);
        line.append(Request.getRemoteAddr(request)).append(" - - [")
                .append(timeLocal()).append("] ");
        GatewayRequest read = exchange == null ? null : exchange.request();
        escaped(line, read != null ? read.authority() : host(request)).append(" \"");
        escaped(line, (read != null ? read.method() : request.getMethod()) + " " + Redaction.url(target(request)) + " "
                + request.getConnectionMetaData().getProtocol()).append("\" ");
        line.append(response.getStatus()).append(' ').append(Math.max(0, Response.getContentBytesWritten(response)))
                .append(' ');
        seconds(line, NanoTime.since(request.getBeginNanoTime())).append(" \"");
        escaped(line, Redaction.url(headers.get(HttpHeader.REFERER))).append("\" \"");
        escaped(line, headers.get(HttpHeader.USER_AGENT)).append("\" ");
        upstream(line, exchange);
        return line.toString();
    }

    private String timeLocal() {
        Instant now = clock.instant();
        Second last = second;
        if (last.epochSecond() != now.getEpochSecond()) {
            last = new Second(now.getEpochSecond(), TIME_LOCAL.format(now.atZone(zone)));
            second = last;
        }
        return last.timeLocal();
    }

    /** {@code $upstream_addr $upstream_status $upstream_response_time "$upstream_scheme://$upstream_host$upstream_uri"}. */
    private static void upstream(StringBuilder line, ProxyExchange exchange) {
        UpstreamNode node = exchange == null ? null : exchange.node();
        if (node == null) {
            line.append("- - - \"://\"");
            return;
        }
        line.append(node.authority()).append(' ');
        line.append(exchange.upstreamStatus() == 0 ? EMPTY : Integer.toString(exchange.upstreamStatus())).append(' ');
        long nanos = exchange.upstreamNanos();
        if (nanos < 0) {
            line.append(EMPTY);
        } else {
            seconds(line, nanos);
        }
        GatewayRequest client = exchange.request();
        String query = client.query();
        line.append(" \"").append(node.origin().getScheme()).append("://");
        escaped(line, exchange.route().upstream().passHost().hostFor(client.authority(), node));
        escaped(line, Redaction.url(exchange.path().forwarded() + (query == null ? "" : "?" + query))).append('"');
    }

    /** {@code $http_host} of a request the proxy never read: the Host header, or HTTP/2's {@code :authority}. */
    private static String host(Request request) {
        String host = request.getHeaders().get(HttpHeader.HOST);
        return host != null || !request.getHttpURI().hasAuthority() ? host : request.getHttpURI().getAuthority();
    }

    /** The request target as the client sent it: path and query. */
    private static String target(Request request) {
        String query = request.getHttpURI().getQuery();
        String path = request.getHttpURI().getPath();
        return (path == null ? "/" : path) + (query == null ? "" : "?" + query);
    }

    /** Seconds with milliseconds, as nginx writes times: {@code 0.005}. */
    private static StringBuilder seconds(StringBuilder line, long nanos) {
        long millis = Math.max(0, nanos) / 1_000_000;
        long fraction = millis % 1000;
        return line.append(millis / 1000).append('.').append(fraction < 100 ? fraction < 10 ? "00" : "0" : "")
                .append(fraction);
    }

    /** nginx's escaping of a logged variable: {@code -} when empty, {@code \xHH} for quotes, backslashes, controls. */
    private static StringBuilder escaped(StringBuilder line, String value) {
        if (value == null || value.isEmpty()) {
            return line.append(EMPTY);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
                line.append(String.format("\\x%02X", c & 0xff));
            } else {
                line.append(c);
            }
        }
        return line;
    }

    @Override
    public String toString() {
        return "ApisixAccessLog{" + writer + "}";
    }
}
