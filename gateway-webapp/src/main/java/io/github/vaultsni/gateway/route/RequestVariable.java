package io.github.vaultsni.gateway.route;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One of nginx's variables, as APISIX's {@code vars} name them, read from the request model: {@code arg_<name>}
 * (decoded, the name as sent, as APISIX's {@code get_uri_args}), {@code http_<name>} (dashes written as
 * underscores, any case), {@code cookie_<name>}, and {@code uri}, {@code request_uri}, {@code host},
 * {@code remote_addr}, {@code server_addr}, {@code server_port}, {@code scheme}, {@code request_method},
 * {@code query_string} / {@code args}, {@code server_protocol}, {@code ssl_server_name}. A name outside these is
 * refused when the route is written: it could only read as absent, and a rule on it would match what its author
 * did not mean. Immutable.
 */
public final class RequestVariable {
    /** A JSONPath after {@code post_arg.}: names, each followed by bracketed {@code *}, indexes or quoted names. */
    private static final Pattern JSON_PATH = Pattern.compile(
            "[A-Za-z0-9_$-]+(\\[(\\*|\\d+|'[^']*')])*(\\.[A-Za-z0-9_$-]+(\\[(\\*|\\d+|'[^']*')])*)*");

    private enum Kind {
        ARG, HTTP, COOKIE, URI, REQUEST_URI, HOST, REMOTE_ADDR, SERVER_ADDR, SERVER_PORT, SCHEME, REQUEST_METHOD,
        QUERY_STRING, SERVER_PROTOCOL, SSL_SERVER_NAME
    }

    private final String name;
    private final Kind kind;
    private final String argument;

    private RequestVariable(String name, Kind kind, String argument) {
        this.name = name;
        this.kind = kind;
        this.argument = argument;
    }

    /**
     * @throws IllegalArgumentException for a variable this gateway cannot read
     */
    public static RequestVariable named(String name) {
        if (name.startsWith("arg_") && name.length() > 4) {
            return new RequestVariable(name, Kind.ARG, name.substring(4));
        }
        if (name.startsWith("http_") && name.length() > 5) {
            return new RequestVariable(name, Kind.HTTP, name.substring(5).replace('_', '-').toLowerCase(Locale.ROOT));
        }
        if (name.startsWith("cookie_") && name.length() > 7) {
            return new RequestVariable(name, Kind.COOKIE, name.substring(7));
        }
        if (name.startsWith("post_arg.")) {
            if (!JSON_PATH.matcher(name.substring("post_arg.".length())).matches()) {
                throw new IllegalArgumentException("invalid expression: '" + name + "' is not a JSONPath");
            }
            throw new IllegalArgumentException("variable '" + name + "' is not supported by this gateway: it reads "
                    + "the request body, which is streamed to the upstream, not read before routing");
        }
        Kind kind = switch (name) {
            case "uri" -> Kind.URI;
            case "request_uri" -> Kind.REQUEST_URI;
            case "host" -> Kind.HOST;
            case "remote_addr" -> Kind.REMOTE_ADDR;
            case "server_addr" -> Kind.SERVER_ADDR;
            case "server_port" -> Kind.SERVER_PORT;
            case "scheme" -> Kind.SCHEME;
            case "request_method" -> Kind.REQUEST_METHOD;
            case "query_string", "args" -> Kind.QUERY_STRING;
            case "server_protocol" -> Kind.SERVER_PROTOCOL;
            case "ssl_server_name" -> Kind.SSL_SERVER_NAME;
            default -> throw new IllegalArgumentException("variable '" + name + "' is not supported by this gateway");
        };
        return new RequestVariable(name, kind, null);
    }

    /** Whether this is {@code remote_addr}, which {@code ipmatch} reads as bytes. */
    boolean isRemoteAddress() {
        return kind == Kind.REMOTE_ADDR;
    }

    /** The value nginx gives (the first, for a repeated header or parameter); null when absent. */
    String value(RouteRequest request) {
        return switch (kind) {
            case ARG -> request.queryParameter(argument);
            case HTTP -> request.header(argument);
            case COOKIE -> request.cookie(argument);
            case URI -> request.decodedPath();
            case REQUEST_URI -> request.query() == null ? request.rawPath() : request.rawPath() + "?" + request.query();
            case HOST -> request.host();
            case REMOTE_ADDR -> request.remoteAddress();
            case SERVER_ADDR -> request.localAddress();
            case SERVER_PORT -> Integer.toString(request.localPort());
            case SCHEME -> request.scheme();
            case REQUEST_METHOD -> request.method();
            case QUERY_STRING -> request.query();
            case SERVER_PROTOCOL -> request.protocol();
            case SSL_SERVER_NAME -> request.sni();
        };
    }

    /** All its values: several for a repeated header or parameter; empty when absent. */
    List<String> values(RouteRequest request) {
        return switch (kind) {
            case ARG -> request.queryParameters(argument);
            case HTTP -> request.headerValues(argument);
            default -> {
                String value = value(request);
                yield value == null ? List.of() : List.of(value);
            }
        };
    }

    /** Two variables are equal when they name the same thing (their names are equal). */
    @Override
    public boolean equals(Object other) {
        return other instanceof RequestVariable variable && variable.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
