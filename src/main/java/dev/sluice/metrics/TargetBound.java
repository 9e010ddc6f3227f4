package dev.sluice.metrics;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.sluice.config.Route;
import dev.sluice.schedule.ScheduleState;

/**
 * Whether each route is held back by its target rather than by Sluice: over the last
 * {@value #WINDOW} samples (one a second), the fraction in which the route had records to send
 * and the target was the reason they waited. A route is target-bound while any reason holds in
 * at least half of them. Adding replicas cannot help such a route (a group-wide rate limit stays
 * the same, an adaptive limit backs off further, retries wait for the target to recover), so a
 * scaler should not scale out on its lag; a route held back only by its own fixed
 * {@code max-in-flight} or by the consumer is not target-bound. Bounded: one window per route of
 * the config in force. Not thread-safe: its owner ({@link TargetBoundGauges}) samples and reads it
 * under its lock.
 */
final class TargetBound {
    /** Samples a decision spans: ten seconds, so one slow answer or one retry does not flip it. */
    static final int WINDOW = 10;
    /** Share of the window a reason must hold in for the route to be target-bound. */
    static final double BOUND_AT = 0.5;

    /** What holds a route back, as the metric's {@code reason} label spells it. */
    enum Reason {
        /** Attempts waited for a rate-limit token. */
        RATE_LIMIT,
        /** An adaptive limit held below its maximum while records waited for it or filled it. */
        ADAPTIVE,
        /** Records waited to be tried again after a retriable answer (5xx, 429, timeouts, refused connections). */
        RETRIES;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** One route's last {@value #WINDOW} samples of each reason, as a ring of bits. */
    private static final class Window {
        final Map<Reason, boolean[]> held = new EnumMap<>(Reason.class);
        int next;
        int filled;

        Window() {
            for (Reason r : Reason.values()) {
                held.put(r, new boolean[WINDOW]);
            }
        }
    }

    private final Map<String, Window> windows = new HashMap<>();

    /**
     * Takes one sample of a route: its scheduling figures now ({@code scheduled}, null before the
     * route is in force) and the records of it waiting to be retried.
     */
    void sample(Route route, ScheduleState.RouteState scheduled, int retriesWaiting) {
        Window w = windows.computeIfAbsent(route.name(), n -> new Window());
        boolean rate = scheduled != null && scheduled.waitingForRate() > 0;
        boolean adaptive = scheduled != null && route.concurrency().adaptive()
                && scheduled.limit() < route.concurrency().adaptiveMax()
                && (scheduled.waitingForPermit() > 0 || scheduled.inFlight() >= scheduled.limit());
        w.held.get(Reason.RATE_LIMIT)[w.next] = rate;
        w.held.get(Reason.ADAPTIVE)[w.next] = adaptive;
        w.held.get(Reason.RETRIES)[w.next] = retriesWaiting > 0;
        w.next = (w.next + 1) % WINDOW;
        w.filled = Math.min(WINDOW, w.filled + 1);
    }

    /** Forgets routes no longer in the config. */
    void retain(Set<String> routes) {
        windows.keySet().retainAll(routes);
    }

    /** The fraction (0..1) of the window in which {@code reason} held the route back; 0 before any sample. */
    double heldBack(String route, Reason reason) {
        Window w = windows.get(route);
        if (w == null || w.filled == 0) {
            return 0;
        }
        int n = 0;
        for (boolean b : w.held.get(reason)) {
            n += b ? 1 : 0;
        }
        // over the whole window: a route only just sampled is not bound by one sample
        return (double) n / WINDOW;
    }

    /** True while any reason held the route back in at least {@link #BOUND_AT} of the window. */
    boolean bound(String route) {
        for (Reason r : Reason.values()) {
            if (heldBack(route, r) >= BOUND_AT) {
                return true;
            }
        }
        return false;
    }
}
