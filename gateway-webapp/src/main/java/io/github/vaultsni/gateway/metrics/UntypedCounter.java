package io.github.vaultsni.gateway.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.MetricType;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Counter} exposed under its name exactly, as APISIX (nginx-lua-prometheus) names its counters
 * {@code apisix_http_status} and {@code apisix_bandwidth}. The Java client writes a counter's samples as
 * {@code <name>_total}, which would break every APISIX dashboard and alert; so its snapshot goes out as
 * {@code untyped} (OpenMetrics {@code unknown}), whose samples keep the name. The values still only grow.
 */
final class UntypedCounter implements Collector {
    private final Counter counter;

    UntypedCounter(Counter counter) {
        this.counter = counter;
    }

    @Override
    public MetricSnapshot collect() {
        CounterSnapshot snapshot = counter.collect();
        List<UnknownSnapshot.UnknownDataPointSnapshot> points = new ArrayList<>(snapshot.getDataPoints().size());
        for (CounterSnapshot.CounterDataPointSnapshot point : snapshot.getDataPoints()) {
            points.add(new UnknownSnapshot.UnknownDataPointSnapshot(point.getValue(), point.getLabels(), null));
        }
        return new UnknownSnapshot(snapshot.getMetadata(), points);
    }

    @Override
    public String getPrometheusName() {
        return counter.getPrometheusName();
    }

    @Override
    public MetricType getMetricType() {
        return MetricType.UNKNOWN;
    }
}
