package dev.sluice.outcome;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Who is held, by route, and which degraded route has its one probe write under way (see
 * {@link DeadLetterHold}). Bounded by the route permits the held records hold: a route with
 * nothing held has no entry. Thread-safe.
 */
final class HeldRecords<H> {
    private final Map<String, Set<H>> byRoute = new ConcurrentHashMap<>();
    /** Degraded routes with a probe write under way. */
    private final Set<String> probing = ConcurrentHashMap.newKeySet();

    void add(String route, H record) {
        byRoute.compute(route, (n, records) -> {
            Set<H> set = records == null ? ConcurrentHashMap.newKeySet() : records;
            set.add(record);
            return set;
        });
    }

    void remove(String route, H record) {
        byRoute.computeIfPresent(route, (n, records) -> {
            records.remove(record);
            return records.isEmpty() ? null : records;
        });
    }

    /** Runs {@code action} for each record held for {@code route}, or for every route (null). */
    void forEach(String route, Consumer<H> action) {
        byRoute.forEach((name, records) -> {
            if (route == null || route.equals(name)) {
                records.forEach(action);
            }
        });
    }

    /** Takes the route's probe; false if another of its records is probing. */
    boolean startProbe(String route) {
        return probing.add(route);
    }

    void endProbe(String route) {
        probing.remove(route);
    }
}
