package dev.sluice.deliver;

import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * The {@link RouteMeters} of every route, in the Micrometer registry (Prometheus at
 * {@code /q/metrics}) and read back by the status API.
 *
 * <p>Routes of the config in force always have their meters, at zero until traffic moves them,
 * so a series exists before its first increment. A route removed by a config change keeps its
 * meters only while deliveries it had begun are still under way (they finish with the route they
 * matched); the last one to end takes them out of the registry. Added back later, the route
 * starts again from zero, which Prometheus's {@code rate()} reads as a counter reset.
 */
@Startup // the series of the configured routes exist from startup, not from the first event
@ApplicationScoped
public class DeliveryStats {
    private final MeterRegistry registry;
    private final LongSupplier wallClockMs;
    private final Map<String, RouteMeters> byRoute = new HashMap<>();
    private Set<String> routes = Set.of();
    private Cancellable following;

    @Inject
    DeliveryStats(MeterRegistry registry, CurrentConfig config) {
        this(registry, System::currentTimeMillis);
        following = config.changes().subscribe()
                .with(v -> follow(v.value().routes().stream().map(Route::name).toList()));
    }

    DeliveryStats(MeterRegistry registry, LongSupplier wallClockMs) {
        this.registry = registry;
        this.wallClockMs = wallClockMs;
    }

    /** Makes the routes with meters those of {@code names} (the config in force) plus those still busy. */
    synchronized void follow(Collection<String> names) {
        routes = Set.copyOf(names);
        for (String route : routes) {
            byRoute.computeIfAbsent(route, this::register);
        }
        for (Iterator<RouteMeters> it = byRoute.values().iterator(); it.hasNext();) {
            RouteMeters m = it.next();
            if (m.pending == 0 && !routes.contains(m.route())) {
                unregister(m);
                it.remove();
            }
        }
    }

    /**
     * One event starts on a route: counted as consumed by it; its meters stay registered until the
     * matching {@link #end}, even if the route is removed meanwhile.
     */
    synchronized RouteMeters begin(String route) {
        RouteMeters m = byRoute.computeIfAbsent(route, this::register);
        m.pending++;
        m.onConsumed();
        return m;
    }

    /** The event's delivery on this route is over, whatever its outcome (cancellation included). */
    synchronized void end(RouteMeters m) {
        if (byRoute.get(m.route()) != m) {
            return;
        }
        m.pending--;
        if (m.pending == 0 && !routes.contains(m.route())) {
            unregister(m);
            byRoute.remove(m.route());
        }
    }

    /**
     * The route's filters declined a record: counted as filtered. The record never began a delivery
     * on the route, so it is not counted as consumed by it; a route just removed counts nothing.
     */
    public synchronized void filtered(String route) {
        RouteMeters m = byRoute.get(route);
        if (m != null) {
            m.onFiltered();
        }
    }

    /** The meters of a route, for the status API; null if it has none (not in the config, not busy). */
    public synchronized RouteMeters find(String route) {
        return byRoute.get(route);
    }

    /**
     * Takes the meters out of the registry when the application stops (after the drain): Quarkus
     * registers into Micrometer's global registry, which outlives one application in dev-mode live
     * reload and across {@code @QuarkusTest} applications in one JVM.
     */
    @PreDestroy
    synchronized void close() {
        if (following != null) {
            following.cancel();
        }
        byRoute.values().forEach(this::unregister);
        byRoute.clear();
        routes = Set.of();
    }

    private RouteMeters register(String route) {
        return new RouteMeters(registry, route, wallClockMs);
    }

    private void unregister(RouteMeters m) {
        m.meters().forEach(registry::remove);
    }
}
