package dev.sluice.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.deliver.DeliveryStats;
import dev.sluice.deliver.RouteMeters;
import dev.sluice.schedule.ScheduleState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * The scaling signal that knows the target: {@code sluice_route_target_bound{route}} is 1 while
 * the route is held back by its target ({@link TargetBound}: rate-limit waits, an adaptive limit
 * backing off, retries), 0 otherwise, and {@code sluice_route_held_back{route,reason}} gives the
 * fraction of the last ten seconds each reason held. A Vert.x timer samples every route once a
 * second (a few counters each: no blocking, no allocation beyond the first sample); a scrape reads
 * the latest decision. {@code k8s/keda-scaledobject.yaml} scales out on lag only while no route of
 * the replica is target-bound.
 */
@ApplicationScoped
public class TargetBoundGauges {
    static final String BOUND = "sluice.route.target.bound";
    static final String HELD_BACK = "sluice.route.held.back";
    private static final long SAMPLE_MS = 1000;

    /** What status shows of a route: bound or not, and each reason's fraction of the window. */
    public record View(boolean bound, Map<String, Double> heldBack) {
    }

    private static final View NOT_SAMPLED = view(new TargetBound(), "");

    private final MeterRegistry registry;
    private final CurrentConfig config;
    private final ScheduleState schedule;
    private final DeliveryStats stats;
    private final Vertx vertx;
    /** Written by the sampling timer only, under this bean's lock (which scrapes never take). */
    private final TargetBound windows = new TargetBound();
    private final KeyedGauges<String> gauges;
    /** The decisions of the latest sample, read by scrapes and status without a lock. */
    private volatile Map<String, View> latest = Map.of();
    private long timer = -1;
    private volatile boolean stopped;

    TargetBoundGauges(MeterRegistry registry, CurrentConfig config, ScheduleState schedule, DeliveryStats stats, Vertx vertx) {
        this.registry = registry;
        this.config = config;
        this.schedule = schedule;
        this.stats = stats;
        this.vertx = vertx;
        this.gauges = new KeyedGauges<>(registry, this::register);
    }

    synchronized void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(SAMPLE_MS, id -> sample());
    }

    /** One sample of every route in force; routes gone lose their window and gauges. */
    synchronized void sample() {
        if (stopped) {
            return;
        }
        List<Route> routes = config.get().routes();
        Map<String, View> next = new LinkedHashMap<>();
        for (Route r : routes) {
            RouteMeters m = stats.find(r.name());
            windows.sample(r, schedule.route(r.name()), m == null ? 0 : m.retriesWaiting());
            next.put(r.name(), view(windows, r.name()));
        }
        Set<String> names = next.keySet();
        windows.retain(names);
        latest = next;
        gauges.follow(names);
    }

    /** The route's latest decision, for status; not bound (and nothing held) before its first sample. */
    public View view(String route) {
        return latest.getOrDefault(route, NOT_SAMPLED);
    }

    /** A route's decision as {@code windows} have it (a route they never sampled: not bound, nothing held). */
    private static View view(TargetBound windows, String route) {
        Map<String, Double> held = new LinkedHashMap<>();
        for (TargetBound.Reason reason : TargetBound.Reason.values()) {
            held.put(reason.label(), windows.heldBack(route, reason));
        }
        return new View(windows.bound(route), java.util.Collections.unmodifiableMap(held));
    }

    private double bound(String route) {
        View v = latest.get(route);
        return v != null && v.bound() ? 1 : 0;
    }

    private double heldBack(String route, TargetBound.Reason reason) {
        View v = latest.get(route);
        return v == null ? 0 : v.heldBack().get(reason.label());
    }

    private List<Meter> register(String route) {
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder(BOUND, () -> bound(route)).tag("route", route)
                .description("1 while the route is held back by its target (rate-limit waits, adaptive limit backing off, "
                        + "retries) in at least half of the last 10 s, else 0: more replicas would not deliver more")
                .register(registry));
        for (TargetBound.Reason reason : TargetBound.Reason.values()) {
            meters.add(Gauge.builder(HELD_BACK, () -> heldBack(route, reason)).tag("route", route).tag("reason", reason.label())
                    .description("Fraction of the last 10 s in which this reason held the route back").register(registry));
        }
        return meters;
    }

    /** Takes the gauges out of the registry, which can outlive the application (see PipelineGauges). */
    @PreDestroy
    synchronized void stop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        gauges.follow(List.of());
    }
}
