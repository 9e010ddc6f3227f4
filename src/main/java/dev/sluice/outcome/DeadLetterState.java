package dev.sluice.outcome;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Which routes cannot write their dead letters now, and why: the read-only view that status,
 * health and metrics show. A route is degraded while its dead-letter topic failed the topic check
 * ({@link #topicProblem}) or its last dead-letter write failed ({@link #writeFailed}); a write that
 * succeeds clears both, as it proves the topic is there. Records waiting for such a write are
 * counted as held.
 *
 * <p>Only routes with something to say have an entry (degraded, or records held), so the map is
 * bounded by the routes in trouble, not by every route name ever used.
 */
@ApplicationScoped
public class DeadLetterState {
    private static final Logger LOG = Logger.getLogger(DeadLetterState.class);

    /** A degraded route: its dead-letter topic, why, since when, and how many of its records are held. */
    public record Degradation(String route, String deadLetterTopic, String reason, Instant since, int held) {
    }

    private final Map<String, Entry> routes = new ConcurrentHashMap<>();

    /** Mutable state of one route; changed only inside {@code routes.compute}, which serialises it. */
    private static final class Entry {
        String topic;
        String checkProblem;
        String writeFailure;
        Instant since;
        int held;

        boolean degraded() {
            return checkProblem != null || writeFailure != null;
        }

        boolean idle() {
            return !degraded() && held == 0;
        }

        String reason() {
            return writeFailure != null ? writeFailure : checkProblem;
        }
    }

    /** The topic check found the route's dead-letter topic missing (or unusable). */
    public void topicProblem(String route, String topic, String reason) {
        update(route, e -> {
            e.topic = topic;
            e.checkProblem = reason;
        });
    }

    /** The topic check found the route's dead-letter topic fine. */
    public void topicOk(String route) {
        update(route, e -> e.checkProblem = null);
    }

    /** A dead-letter write of the route failed. */
    void writeFailed(String route, String topic, String reason) {
        update(route, e -> {
            e.topic = topic;
            e.writeFailure = "dead-letter write to '" + topic + "' failed: " + reason;
        });
    }

    /** A dead-letter write of the route succeeded: the topic is there. */
    void written(String route) {
        update(route, e -> {
            e.writeFailure = null;
            e.checkProblem = null;
        });
    }

    void held(String route, int delta) {
        update(route, e -> e.held += delta);
    }

    public boolean isDegraded(String route) {
        Entry e = routes.get(route);
        return e != null && e.degraded();
    }

    /** The route's degradation, or null while it can write its dead letters. */
    public Degradation degradation(String route) {
        Degradation[] out = new Degradation[1];
        routes.computeIfPresent(route, (k, e) -> {
            out[0] = e.degraded() ? new Degradation(k, e.topic, e.reason(), e.since, e.held) : null;
            return e;
        });
        return out[0];
    }

    /** Every degraded route by name. */
    public Map<String, Degradation> degraded() {
        Map<String, Degradation> out = new TreeMap<>();
        for (String route : routes.keySet()) {
            Degradation d = degradation(route);
            if (d != null) {
                out.put(route, d);
            }
        }
        return out;
    }

    /** Records of the route held for their dead-letter write. */
    public int held(String route) {
        int[] out = new int[1];
        routes.computeIfPresent(route, (k, e) -> {
            out[0] = e.held;
            return e;
        });
        return out[0];
    }

    private void update(String route, java.util.function.Consumer<Entry> change) {
        routes.compute(route, (k, e) -> {
            Entry entry = e == null ? new Entry() : e;
            boolean was = entry.degraded();
            change.accept(entry);
            if (!was && entry.degraded()) {
                entry.since = Instant.now();
                LOG.errorf("route %s degraded: %s; records it cannot deliver are held unacked until their dead letter "
                        + "is written (liveness stays UP: a restart cannot create a topic)", k, entry.reason());
            } else if (was && !entry.degraded()) {
                entry.since = null;
                LOG.infof("route %s: dead-letter topic %s is writable again; %d held records are being written", k,
                        entry.topic, entry.held);
            }
            return entry.idle() ? null : entry;
        });
    }
}
