package dev.sluice.schedule;

import java.util.Set;

import dev.sluice.pipeline.LaneKey;
import dev.sluice.pipeline.WaitHook;

/**
 * The records of one route that wait (behind its ordering lanes, or for its route permit), and the
 * route's share of what may wait: {@code max-waiting} (parking slots) plus the global
 * {@code max-in-flight} (a waiter that finds no slot keeps its global permit), split evenly over
 * the routes. Each
 * partition is held back at {@code max-waiting-per-partition} waiting records, but a route that
 * reads many partitions and cannot keep up (a rate limit, a slow or failing target) gathered that
 * many on each: more than the parking slots, so the rest kept their global in-flight permits and
 * took the whole budget, and the other routes got a permit only when one of its records finished
 * (RouteIsolationIT). At its share the route is <em>crowded</em>: the partitions of its topics are
 * held back (not fetched, their staged records wait) until half of its waiting records have gone,
 * so while the others are crowded a route still has at least its part, (max-waiting + max-in-flight)
 * / routes, of permits or slots; a route alone keeps all of it (its lookahead behind busy keys).
 *
 * <p>Counts come from any thread; the count and the crowded state change under this object's
 * lock, and the gate is told inside it, so a crowded and an uncrowded call never cross.
 */
final class RouteWaiting {
    private final String route;
    private final PartitionGate gate;
    private Set<String> topics;
    private int cap;
    private int waiting;
    private boolean crowded;

    RouteWaiting(String route, Set<String> topics, int cap, PartitionGate gate) {
        this.route = route;
        this.topics = Set.copyOf(topics);
        this.cap = Math.max(1, cap);
        this.gate = gate;
    }

    /** A new snapshot: the route's topics and its share now. */
    synchronized void apply(Set<String> nextTopics, int nextCap) {
        Set<String> next = Set.copyOf(nextTopics);
        boolean moved = !next.equals(topics);
        topics = next;
        cap = Math.max(1, nextCap);
        if (crowded && moved) {
            gate.crowded(route, topics, true); // what it holds back follows its topics
        }
        check();
    }

    /** The route is gone from the config: it holds nothing back any more. */
    synchronized void close() {
        if (crowded) {
            crowded = false;
            gate.crowded(route, topics, false);
        }
    }

    synchronized void up() {
        waiting++;
        check();
    }

    synchronized void down() {
        waiting = Math.max(0, waiting - 1);
        check();
    }

    private void check() {
        if (!crowded && waiting >= cap) {
            crowded = true;
            gate.crowded(route, topics, true);
        } else if (crowded && waiting <= cap / 2) {
            crowded = false;
            gate.crowded(route, topics, false);
        }
    }

    synchronized int waiting() {
        return waiting;
    }

    synchronized boolean crowded() {
        return crowded;
    }

    synchronized int cap() {
        return cap;
    }

    /** The lanes' listener of this route: counts here, then tells {@code partitions}. */
    Lanes.WaitListener lanes(Lanes.WaitListener partitions) {
        return new Lanes.WaitListener() {
            @Override
            public void waiting(LaneKey key) {
                up();
                partitions.waiting(key);
            }

            @Override
            public void doneWaiting(LaneKey key) {
                down();
                partitions.doneWaiting(key);
            }
        };
    }

    /** A record's permit waits for this route: counted here, then as {@code record} does. */
    WaitHook permits(WaitHook record) {
        return new WaitHook() {
            @Override
            public void waiting() {
                up();
                record.waiting();
            }

            @Override
            public void doneWaiting() {
                down();
                record.doneWaiting();
            }

            @Override
            public void queued() {
                record.queued();
            }
        };
    }
}
