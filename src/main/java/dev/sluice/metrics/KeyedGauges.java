package dev.sluice.metrics;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gauges of a set of keys that changes at run time (the routes of the config in force, the
 * partitions assigned to the consumer): {@link #follow} registers the gauges of new keys and takes
 * those of keys that are gone out of the registry, so no series outlives its key and a key that
 * comes back registers afresh. Label values come only from the keys, so the number of series is
 * bounded by the number of keys.
 */
final class KeyedGauges<K> {
    private final MeterRegistry registry;
    private final Function<K, List<Meter>> register;
    private final Map<K, List<Meter>> byKey = new HashMap<>();

    /** {@code register} registers the gauges of one key and returns them. */
    KeyedGauges(MeterRegistry registry, Function<K, List<Meter>> register) {
        this.registry = registry;
        this.register = register;
    }

    /** Makes the registered gauges those of exactly {@code keys}. */
    synchronized void follow(Collection<K> keys) {
        Set<K> next = Set.copyOf(keys);
        byKey.entrySet().removeIf(e -> {
            if (next.contains(e.getKey())) {
                return false;
            }
            e.getValue().forEach(registry::remove);
            return true;
        });
        for (K key : next) {
            byKey.computeIfAbsent(key, register);
        }
    }

    synchronized Set<K> keys() {
        return Set.copyOf(byKey.keySet());
    }

    synchronized void clear() {
        follow(List.of());
    }
}
