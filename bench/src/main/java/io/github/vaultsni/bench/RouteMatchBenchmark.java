package io.github.vaultsni.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.proxy.GatewayRequest;
import io.github.vaultsni.gateway.route.Route;
import io.github.vaultsni.gateway.route.RouteTable;
import io.github.vaultsni.gateway.route.Upstream;
import org.eclipse.jetty.http.HttpFields;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Route matching with {@code vars} and {@code remote_addrs}: 1,000 routes, each with a client-address filter and
 * three vars rules (a header, a query parameter compared as a number, a cookie against a regex), either one route
 * per URI ({@code perUri=1}) or ten routes sharing each URI ({@code perUri=10}: a canary set, where the request
 * matches only the last of the ten, so nine are evaluated and refused first). Each operation reads a fresh request
 * into the request model ({@link GatewayRequest#read}, as the forwarding core does) and matches it, so the query's
 * parsing is in the figure; {@code readOnly} is the read alone.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar RouteMatch -f 2 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUTES = 1000;

    @Param({"1", "10"})
    public int perUri;

    /** Which filters the routes have: {@code all} (addresses and vars), or {@code none} (the URI alone). */
    @Param({"all", "none"})
    public String filters;

    private RouteTable table;
    private final List<BenchRequest> requests = new ArrayList<>();
    private int next;

    @Setup
    public void setUp() throws Exception {
        Upstream upstream = Upstream.of("u", JSON.readTree("{\"nodes\":{\"10.0.0.1:8080\":1}}"));
        List<Route> routes = new ArrayList<>();
        int uris = ROUTES / perUri;
        for (int i = 0; i < ROUTES; i++) {
            int uri = i % uris;
            int variant = i / uris;
            String route = "{\"uri\":\"/api/" + uri + "/*\",\"remote_addrs\":[\"192.0.2.0/24\","
                    + "\"2001:db8::/32\"],\"vars\":[[\"arg_n\",\">\",5],[\"cookie_session\",\"~~\",\"^[0-9a-f]+$\"],"
                    + "[\"http_x_channel\",\"==\",\"c" + variant + "\"]]}";
            if (filters.equals("none")) {
                route = "{\"uri\":\"/api/" + uri + "/*\",\"priority\":" + (perUri - variant) + "}";
            }
            routes.add(Route.of("r" + i, JSON.readTree(route), upstream));
        }
        table = RouteTable.of(routes);
        for (int uri = 0; uri < uris; uri++) {
            requests.add(new BenchRequest("/api/" + uri + "/items/42", "user=u42&n=7&sort=asc",
                    HttpFields.build().add("Cookie", "theme=dark").add("X-Channel", "c" + (perUri - 1))));
        }
        Route matched = table.match(GatewayRequest.read(requests.get(0)));
        String expected = "r" + (filters.equals("none") ? 0 : ROUTES - uris);
        if (matched == null || !matched.id().equals(expected)) {
            throw new IllegalStateException("the benchmark's request matched " + matched);
        }
    }

    @Benchmark
    public Route match() {
        return table.match(GatewayRequest.read(nextRequest()));
    }

    @Benchmark
    public GatewayRequest readOnly() {
        return GatewayRequest.read(nextRequest());
    }

    private BenchRequest nextRequest() {
        BenchRequest request = requests.get(next);
        next = next + 1 == requests.size() ? 0 : next + 1;
        return request;
    }
}
