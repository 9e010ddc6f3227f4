package dev.sluice.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The live status stream's broadcast channel: one bounded ring of the last {@code capacity}
 * events, each with a sequence id that only grows (1, 2, 3, ...). A subscriber holds nothing but
 * a cursor, the id of the next event it wants; it reads from the ring when its connection can
 * take more. One that falls more than {@code capacity} events behind skips ahead to the oldest
 * retained event and is told how many it missed (as tokio's broadcast channel does). The
 * producer never waits for a subscriber, and memory is the ring's, whatever the number or speed
 * of the subscribers.
 *
 * <p>Thread-safe; each call holds the lock for a copy of at most {@code max} references.
 */
final class EventRing {
    /** One event: its sequence id, SSE event type and data (one line of JSON). */
    record Entry(long id, String type, String data) {
    }

    /**
     * What a subscriber at some cursor reads next.
     *
     * @param missed events evicted before the subscriber read them (0 unless it lagged)
     * @param entries the events from the cursor, or from the oldest retained when it lagged
     * @param next the cursor after these entries
     */
    record Batch(long missed, List<Entry> entries, long next) {
    }

    private final Entry[] slots;
    /** The id the next published event gets. */
    private long nextId = 1;

    EventRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.slots = new Entry[capacity];
    }

    int capacity() {
        return slots.length;
    }

    /** Appends an event, evicting the oldest when full; returns it with its id. */
    synchronized Entry publish(String type, String data) {
        Entry e = new Entry(nextId, type, data);
        slots[(int) (nextId % slots.length)] = e;
        nextId++;
        return e;
    }

    /** The id the next event will get: a new subscriber's cursor when it wants only what comes. */
    synchronized long nextId() {
        return nextId;
    }

    /** Id of the oldest event still in the ring (equals {@link #nextId()} while empty). */
    synchronized long oldestId() {
        return Math.max(1, nextId - slots.length);
    }

    /** Events retained now: at most the capacity. */
    synchronized int size() {
        return (int) (nextId - oldestId());
    }

    /**
     * The cursor at which a subscriber that last saw event {@code lastSeen} (SSE Last-Event-ID)
     * resumes: the event after it. An id this ring never gave (a newer one, from another process)
     * resumes with what comes next.
     */
    synchronized long resumeAfter(long lastSeen) {
        return lastSeen < 0 || lastSeen >= nextId ? nextId : lastSeen + 1;
    }

    /** Up to {@code max} events from {@code cursor}; when the cursor fell out of the ring, from the oldest. */
    synchronized Batch read(long cursor, int max) {
        long oldest = oldestId();
        long missed = cursor < oldest ? oldest - cursor : 0;
        long from = Math.max(cursor, oldest);
        long to = Math.min(nextId, from + max);
        List<Entry> out = new ArrayList<>((int) Math.max(0, to - from));
        for (long id = from; id < to; id++) {
            out.add(slots[(int) (id % slots.length)]);
        }
        return new Batch(missed, out, Math.max(to, from));
    }
}
