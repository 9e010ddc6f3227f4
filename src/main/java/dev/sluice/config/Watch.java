package dev.sluice.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * A watch channel: one current value with a version, many readers.
 * <ul>
 * <li>{@link #current()} never blocks.</li>
 * <li>{@link #subscribe()} emits the current value at once, then every newer one.</li>
 * <li>A slow reader skips values: it gets the latest when it asks again, never a queue of them.</li>
 * <li>Versions only increase; a reader never sees an older value after a newer one.</li>
 * <li>{@link #close()} completes every reader.</li>
 * </ul>
 */
public final class Watch<T> {

    /** A value and the version it was published with. */
    public record Versioned<T>(long version, T value) {
    }

    private final Set<Reader<T>> readers = new LinkedHashSet<>();
    private Versioned<T> current;
    private boolean closed;

    /** A watch whose initial value has version 1. */
    public Watch(T initial) {
        this(initial, 1);
    }

    public Watch(T initial, long initialVersion) {
        this.current = new Versioned<>(initialVersion, initial);
    }

    /**
     * Publishes a value with a version chosen by the caller (e.g. a Kafka offset); ignored, and
     * null returned, unless it is newer than the current version.
     */
    public Versioned<T> publishVersion(long version, T value) {
        Versioned<T> next;
        List<Reader<T>> targets;
        synchronized (this) {
            if (closed || version <= current.version()) {
                return null;
            }
            next = new Versioned<>(version, value);
            current = next;
            targets = new ArrayList<>(readers);
        }
        targets.forEach(r -> r.offer(next));
        return next;
    }

    public synchronized Versioned<T> current() {
        return current;
    }

    /** Publishes a new value; returns it with its version. */
    public Versioned<T> publish(T value) {
        return update(v -> value);
    }

    /**
     * Publishes {@code value} only if the current version is {@code expectedVersion} (optimistic
     * concurrency); returns the new version, or null when the expectation was stale.
     */
    public Versioned<T> publishIfVersion(long expectedVersion, T value) {
        Versioned<T> next;
        List<Reader<T>> targets;
        synchronized (this) {
            if (closed || current.version() != expectedVersion) {
                return null;
            }
            next = new Versioned<>(current.version() + 1, value);
            current = next;
            targets = new ArrayList<>(readers);
        }
        targets.forEach(r -> r.offer(next));
        return next;
    }

    /** Publishes a value computed from the current one, atomically with respect to other publishes. */
    public Versioned<T> update(Function<T, T> change) {
        Versioned<T> next;
        List<Reader<T>> targets;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("watch closed");
            }
            next = new Versioned<>(current.version() + 1, change.apply(current.value()));
            current = next;
            targets = new ArrayList<>(readers);
        }
        // emitted outside the lock: a reader's continuation may run synchronously, on this thread
        targets.forEach(r -> r.offer(next));
        return next;
    }

    /** The current value at once, then each newer one; latest-wins for a reader without demand. */
    public Multi<Versioned<T>> subscribe() {
        return Multi.createFrom().<Versioned<T>> emitter(emitter -> {
            Reader<T> reader = new Reader<>(emitter);
            Versioned<T> first;
            synchronized (this) {
                if (closed) {
                    emitter.complete();
                    return;
                }
                readers.add(reader);
                first = current;
            }
            emitter.onTermination(() -> remove(reader));
            reader.offer(first);
        }, BackPressureStrategy.LATEST);
    }

    /** Completes every reader; later subscribers complete at once. */
    public void close() {
        List<Reader<T>> targets;
        synchronized (this) {
            closed = true;
            targets = new ArrayList<>(readers);
            readers.clear();
        }
        targets.forEach(Reader::complete);
    }

    public synchronized int readerCount() {
        return readers.size();
    }

    private synchronized void remove(Reader<T> reader) {
        readers.remove(reader);
    }

    private static final class Reader<T> {
        private final MultiEmitter<? super Versioned<T>> emitter;
        // below any version, the initial one included (which may be 0 or negative)
        private long lastVersion = Long.MIN_VALUE;

        Reader(MultiEmitter<? super Versioned<T>> emitter) {
            this.emitter = emitter;
        }

        /** Emits only versions newer than the last one emitted: concurrent publishes cannot reorder. */
        synchronized void offer(Versioned<T> value) {
            if (value.version() > lastVersion) {
                lastVersion = value.version();
                emitter.emit(value);
            }
        }

        synchronized void complete() {
            emitter.complete();
        }
    }
}
