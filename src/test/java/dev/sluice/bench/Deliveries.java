package dev.sluice.bench;

import io.vertx.core.buffer.Buffer;

/**
 * Which records of a {@link Backlog} the sink has answered, for one consumer's run: each record
 * counted once however often it is delivered, the instants at which the first record, half of
 * them and all of them had been answered, and per-key order. Record n has value {@code e-<n>} and
 * key {@code k<n % keys>}, so on one key a smaller n is an earlier offset.
 *
 * <p>Written only by the sink's event loop ({@link BenchSink.Listener}); the test thread reads
 * the volatile fields. An order violation is a first delivery of a record after a later record of
 * the same key was already delivered (a redelivered duplicate is counted as a duplicate only).
 */
final class Deliveries implements BenchSink.Listener {
    private final long records;
    private final int keys;
    private final long[] seen;
    private final long[] lastOnKey;
    private volatile long distinct;
    private volatile long duplicates;
    private volatile long foreign;
    private volatile long orderViolations;
    private volatile long firstNanos;
    private volatile long halfNanos;
    private volatile long allNanos;
    /** First deliveries per {@link #RAMP_BUCKET_NANOS} from the first one, for the first {@link #RAMP_BUCKETS}. */
    private final long[] ramp = new long[RAMP_BUCKETS];
    static final int RAMP_BUCKETS = 20;
    static final long RAMP_BUCKET_NANOS = 500_000_000L;

    Deliveries(long records, int keys) {
        this.records = records;
        this.keys = keys;
        this.seen = new long[(int) ((records + 63) / 64)];
        this.lastOnKey = new long[keys];
        java.util.Arrays.fill(lastOnKey, -1);
    }

    @Override
    public void answered(Buffer body) {
        long n = parse(body);
        if (n < 0 || n >= records) {
            foreign++;
            return;
        }
        int word = (int) (n >>> 6);
        long bit = 1L << (n & 63);
        if ((seen[word] & bit) != 0) {
            duplicates++;
            return;
        }
        seen[word] |= bit;
        int key = (int) (n % keys);
        if (lastOnKey[key] > n) {
            orderViolations++;
        } else {
            lastOnKey[key] = n;
        }
        long now = System.nanoTime();
        long count = distinct + 1;
        if (count == 1) {
            firstNanos = now;
        }
        long bucket = (now - firstNanos) / RAMP_BUCKET_NANOS;
        if (bucket < RAMP_BUCKETS) {
            ramp[(int) bucket]++;
        }
        if (count == (records + 1) / 2) {
            halfNanos = now;
        }
        if (count == records) {
            allNanos = now;
        }
        distinct = count;
    }

    /** n of a body {@code e-<n>}, or -1. */
    private static long parse(Buffer body) {
        if (body == null || body.length() < 3 || body.getByte(0) != 'e' || body.getByte(1) != '-') {
            return -1;
        }
        long n = 0;
        for (int i = 2; i < body.length(); i++) {
            int d = body.getByte(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    /**
     * The ramp: first deliveries in each half second from the first, as a share of {@code bound}
     * per second, up to the last whole half second before every record had arrived (read once
     * {@link #done()}).
     */
    String ramp(double bound) {
        int whole = (int) Math.min(RAMP_BUCKETS, (allNanos - firstNanos) / RAMP_BUCKET_NANOS);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < whole; i++) {
            out.append(i == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.2f",
                    ramp[i] * 1e9 / RAMP_BUCKET_NANOS / bound));
        }
        return out.toString();
    }

    long records() {
        return records;
    }

    long distinct() {
        return distinct;
    }

    long duplicates() {
        return duplicates;
    }

    /** Answered requests whose body was no record of this backlog. */
    long foreign() {
        return foreign;
    }

    long orderViolations() {
        return orderViolations;
    }

    boolean started() {
        return firstNanos != 0;
    }

    boolean halfDone() {
        return halfNanos != 0;
    }

    boolean done() {
        return allNanos != 0;
    }

    long firstNanos() {
        return firstNanos;
    }

    long halfNanos() {
        return halfNanos;
    }

    long allNanos() {
        return allNanos;
    }

    @Override
    public String toString() {
        return String.format("%,d of %,d records (%,d duplicates, %,d foreign bodies, %,d order violations)", distinct,
                records, duplicates, foreign, orderViolations);
    }
}
