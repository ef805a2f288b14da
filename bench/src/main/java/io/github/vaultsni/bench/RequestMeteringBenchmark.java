package io.github.vaultsni.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.metrics.GatewayMetrics;
import io.github.vaultsni.gateway.proxy.ExchangeMeter;
import io.github.vaultsni.gateway.proxy.Forwarder;
import io.github.vaultsni.gateway.proxy.MtlsPolicy;
import io.github.vaultsni.gateway.proxy.ProxyConfiguration;
import io.github.vaultsni.gateway.proxy.ProxyExchange;
import io.github.vaultsni.gateway.route.Route;
import io.github.vaultsni.gateway.route.RouteTable;
import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.sni.SniCertificates;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the meters cost a request: the forwarding core's {@code begin} (route match, node) and {@code completed}
 * (sizes, then the {@link ExchangeMeter}) with APISIX's meters ({@code metered}) and without ({@code unmetered});
 * the difference is the per-request metering cost, which must stay under 1 us. {@code meterOnly} is the meter alone
 * on one exchange. Routes: {@code routes} of them in the table, requests spread over them, two nodes each.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar RequestMetering -f 2 -wi 3 -i 5} (and {@code -t 2} for two
 * threads on one set of data points).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestMeteringBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Param({"1", "1000"})
    public int routes;

    private QueuedThreadPool pool;
    private VaultSniRuntime runtime;
    private GatewayMetrics metrics;
    private Forwarder metered;
    private Forwarder unmetered;
    private ExchangeMeter meter;
    private ProxyExchange exchange;
    private final List<BenchRequest> requests = new ArrayList<>();

    /** One thread's turn through the requests. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        pool = new QueuedThreadPool();
        pool.start();
        runtime = VaultSniRuntime.builder().secrets(secrets -> secrets.backgroundRefresh(false)).build();
        runtime.start();
        metrics = new GatewayMetrics(runtime.registry(), noStore());
        metrics.start();
        meter = metrics.exchanges();
        List<Route> table = new ArrayList<>();
        for (int i = 0; i < routes; i++) {
            Upstream upstream = Upstream.of("u" + i, JSON.readTree("{\"nodes\":{\"10.0.0.1:8080\":1,\"10.0.0.2:8080\":1}}"));
            table.add(Route.of("route-" + i, JSON.readTree("{\"uri\":\"/api/" + i + "/*\"}"), upstream));
            requests.add(new BenchRequest("/api/" + i + "/items/42"));
        }
        RouteTable routeTable = RouteTable.of(table);
        MtlsPolicy mtls = new MtlsPolicy(new SniCertificates());
        ArrayByteBufferPool buffers = new ArrayByteBufferPool();
        metered = Forwarder.start(new ProxyConfiguration(() -> routeTable, mtls, id -> Optional.empty(), meter), pool,
                buffers, Invocable.InvocationType.NON_BLOCKING);
        unmetered = Forwarder.start(new ProxyConfiguration(() -> routeTable, mtls, id -> Optional.empty(),
                ExchangeMeter.NONE), pool, buffers, Invocable.InvocationType.NON_BLOCKING);
        exchange = metered.begin(requests.get(0));
        if (exchange.refused()) {
            throw new IllegalStateException("the benchmark's request did not match: " + exchange.refusal());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        metered.close();
        unmetered.close();
        metrics.stop();
        runtime.stop();
        pool.stop();
    }

    /** A request's way through the core, with every meter. */
    @Benchmark
    public ProxyExchange metered(Cursor cursor) {
        return request(metered, cursor);
    }

    /** The same way with {@link ExchangeMeter#NONE}: the baseline. */
    @Benchmark
    public ProxyExchange unmetered(Cursor cursor) {
        return request(unmetered, cursor);
    }

    /** The meter alone, on one exchange: a request's status, latencies and bandwidth. */
    @Benchmark
    public void meterOnly() {
        meter.started();
        meter.completed(exchange, 200, 412, 1_380, System.nanoTime());
    }

    private ProxyExchange request(Forwarder forwarder, Cursor cursor) {
        BenchRequest request = requests.get(cursor.next++ % requests.size());
        request.beginNanos = System.nanoTime();
        ProxyExchange e = forwarder.begin(request);
        forwarder.completed(e, 200, 0, 968, 412);
        return e;
    }

    /** The embedded store's answer to {@code apisix_etcd_reachable}; nothing else is asked of it here. */
    private static ConfigStore noStore() {
        return (ConfigStore) Proxy.newProxyInstance(ConfigStore.class.getClassLoader(), new Class<?>[]{ConfigStore.class},
                (proxy, method, args) -> method.getName().equals("reachable") ? Boolean.TRUE : null);
    }
}
