package dev.sluice.schedule;

import dev.sluice.pipeline.PartitionShare;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;

/**
 * The limiter and the lanes of each route, kept across config snapshots: a route that stays keeps
 * its in-flight count, rate-limit queue, adaptive limit and waiting records (updated in place, never
 * replaced). A route that goes is dropped once it is idle (nothing in flight, waiting for a rate
 * token or in a lane); until then it stays, so records still under way finish under their own
 * limits, and each later snapshot checks it again. Without that, every route name ever used kept
 * its limiter and lanes for good. Not thread-safe: the dispatcher applies snapshots one at a time.
 */
final class RouteResources {
    private final Map<String, RouteLimiter> limiters = new HashMap<>();
    private final Map<String, Lanes> lanes = new HashMap<>();
    private final Map<String, RouteWaiting> waiting = new HashMap<>();
    /** Told when a route has its share of the waiting records, and when no longer. */
    private final PartitionGate gate;
    /** {@code sluice.max-waiting}: the parking slots; with the global max-in-flight, split evenly over the routes. */
    private final int maxWaiting;
    private final LongSupplier clock;
    private final RateLimiter.Timers timers;
    private final Lanes.WaitListener pressure;
    /** This replica's share of each route's partitions, for group-wide rate limits. */
    private final Function<Route, PartitionShare> shares;
    /** Requests on the wire across all routes, at most the global max-in-flight; shared by every limiter. */
    private final InFlightLimit wire = RouteLimiter.wireLimit(1);

    /** Every route's rate limit applies as a whole (a replica alone). */
    RouteResources(LongSupplier clock, RateLimiter.Timers timers, Lanes.WaitListener pressure) {
        this(clock, timers, pressure, r -> PartitionShare.ALL);
    }

    RouteResources(LongSupplier clock, RateLimiter.Timers timers, Lanes.WaitListener pressure,
            Function<Route, PartitionShare> shares) {
        this(clock, timers, pressure, shares, null, Integer.MAX_VALUE);
    }

    /** {@code gate} hears when a route has its share of {@code maxWaiting} waiting records ({@link RouteWaiting}). */
    RouteResources(LongSupplier clock, RateLimiter.Timers timers, Lanes.WaitListener pressure,
            Function<Route, PartitionShare> shares, PartitionGate gate, int maxWaiting) {
        this.clock = clock;
        this.timers = timers;
        this.pressure = pressure;
        this.shares = shares;
        this.gate = gate;
        this.maxWaiting = maxWaiting;
    }

    /** Brings the routes of {@code next} in, updates those that stay, drops idle ones that went. */
    void apply(SluiceConfig next) {
        // growth lets waiting requests go at once; shrinking waits for requests on the wire to end
        wire.resize(next.maxInFlight());
        for (Route r : next.routes()) {
            RouteLimiter existing = limiters.get(r.name());
            if (existing == null) {
                existing = new RouteLimiter(r, clock, timers, wire);
                limiters.put(r.name(), existing);
            } else {
                existing.apply(r);
            }
            existing.share(shares.apply(r));
            // of the records that can wait at all (parked, or holding a global permit), each route's equal part
            int share = (int) Math.min(Integer.MAX_VALUE, ((long) maxWaiting + next.maxInFlight()) / next.routes().size());
            RouteWaiting w = waiting.get(r.name());
            if (w == null) {
                w = new RouteWaiting(r.name(), Set.copyOf(r.topics()), share, gate == null ? NO_GATE : gate);
                waiting.put(r.name(), w);
            } else {
                w.apply(Set.copyOf(r.topics()), share);
            }
            RouteWaiting counted = w;
            // a change of ordering mode applies to records dispatched from now on
            lanes.computeIfAbsent(r.name(), n -> new Lanes(SluiceConfig.MAX_HELD, counted.lanes(pressure)));
        }
        Set<String> wanted = next.routes().stream().map(Route::name).collect(Collectors.toSet());
        for (Iterator<Map.Entry<String, RouteLimiter>> it = limiters.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, RouteLimiter> e = it.next();
            Lanes l = lanes.get(e.getKey());
            if (!wanted.contains(e.getKey()) && idle(e.getValue(), l)) {
                it.remove();
                lanes.remove(e.getKey());
                RouteWaiting w = waiting.remove(e.getKey());
                if (w != null) {
                    w.close();
                }
            }
        }
    }

    /** The partitions assigned here changed (a rebalance): each route takes its new share of a group-wide rate. */
    void reshare(SluiceConfig current) {
        for (Route r : current.routes()) {
            RouteLimiter l = limiters.get(r.name());
            if (l != null) {
                l.share(shares.apply(r));
            }
        }
    }

    private static boolean idle(RouteLimiter limiter, Lanes l) {
        return limiter.inFlightLimit().inFlight() == 0 && limiter.inFlightLimit().waiting() == 0
                && limiter.waitingForRate() == 0 && (l == null || l.laneCount() == 0);
    }

    InFlightLimit wire() {
        return wire;
    }

    Map<String, RouteLimiter> limiters() {
        return Map.copyOf(limiters);
    }

    Map<String, Lanes> lanes() {
        return Map.copyOf(lanes);
    }

    Map<String, RouteWaiting> waiting() {
        return Map.copyOf(waiting);
    }

    /** For resources without a gate (tests of the limits alone): a crowded route holds nothing back. */
    private static final PartitionGate NO_GATE = new PartitionGate() {
        @Override
        public void waiting(String topic, int partition) {
        }

        @Override
        public void doneWaiting(String topic, int partition) {
        }

        @Override
        public void started(String topic, int partition) {
        }

        @Override
        public boolean heldBack(org.apache.kafka.common.TopicPartition partition) {
            return false;
        }

        @Override
        public void crowded(String route, Set<String> topics, boolean crowded) {
        }

        @Override
        public void onRelease(Runnable action) {
        }
    };
}
