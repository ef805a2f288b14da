import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in for httpbin.org's /ip on 127.0.0.1, so the walk-through needs no internet:
 * {@code java examples/httpbin-ip/IpServer.java 9081}.
 */
public class IpServer {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 9081;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/ip", exchange -> {
            String origin = exchange.getRequestHeaders().getFirst("X-Real-IP");
            byte[] body = ("{\n  \"origin\": \"" + (origin != null ? origin : exchange.getRemoteAddress().getAddress().getHostAddress())
                    + "\"\n}\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        System.out.println("httpbin /ip stand-in listening on http://127.0.0.1:" + port + "/ip");
    }
}
