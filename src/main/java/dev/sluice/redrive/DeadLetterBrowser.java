package dev.sluice.redrive;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;

/**
 * Pages through a route's dead letters (GET /admin/dead-letters): newest or oldest first by the
 * time they were dead-lettered, merged over the topic's partitions, filtered as
 * {@link DeadLetterFilter} says. Each page reads with a consumer of its own, by assignment (no
 * group, nothing committed), on one of {@value #MAX_READERS} reader threads, never on the event
 * loop; a request beyond them is refused ({@link Busy}). A page is bounded three ways: at most
 * {@value #MAX_LIMIT} items, {@value #MAX_SCANNED} records scanned and {@link #DEADLINE}; a page cut
 * short by the scan or the time says so ({@code complete: false}) and its cursor goes on from where
 * it stopped, so a filter that matches little costs many cheap pages, never one unbounded request.
 */
@ApplicationScoped
public class DeadLetterBrowser {
    public static final int MAX_LIMIT = 100;
    static final int MAX_SCANNED = 20_000;
    static final int MAX_READERS = 2;
    static final int CHUNK = 500;
    static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int MAX_CURSOR_PARTITIONS = 10_000;

    /** All the reader threads are busy: try again shortly. */
    public static final class Busy extends RuntimeException {
        Busy() {
            super("at most " + MAX_READERS + " dead-letter listings run at once; try again shortly");
        }
    }

    /** One page: the matching dead letters, the cursor of the next page (null: nothing more), what was read. */
    public record Page(List<DeadLetter> items, String next, int scanned, boolean complete) {
    }

    private final DeadLetterReaders readers;
    private final ThreadPoolExecutor pool;
    private final Executor executor;

    @Inject
    DeadLetterBrowser(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this(new DeadLetterReaders(kafka));
    }

    DeadLetterBrowser(DeadLetterReaders readers) {
        this.readers = readers;
        this.pool = new ThreadPoolExecutor(0, MAX_READERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "sluice-dead-letter-reader");
            t.setDaemon(true);
            return t;
        });
        this.executor = task -> {
            try {
                pool.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                throw new Busy();
            }
        };
    }

    @PreDestroy
    void stop() {
        pool.shutdownNow();
    }

    /**
     * A page of {@code topic}'s dead letters that {@code filter} takes; {@code cursor} is a previous
     * page's {@code next} (null: from the newest, or the oldest). Fails with
     * {@link IllegalArgumentException} for a cursor that is not one, {@link Busy} when every reader is.
     */
    public Uni<Page> page(String topic, DeadLetterFilter filter, boolean newestFirst, int limit, String cursor) {
        Cursor from = Cursor.parse(cursor, newestFirst); // a bad cursor is refused before any thread is taken
        return Uni.createFrom().<Page> emitter(e -> executor.execute(() -> {
            try {
                e.complete(read(topic, filter, newestFirst, Math.max(1, Math.min(MAX_LIMIT, limit)), from));
            } catch (RuntimeException t) {
                e.fail(t);
            }
        }));
    }

    private Page read(String topic, DeadLetterFilter filter, boolean newest, int limit, Cursor cursor) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (DeadLetterReaders.Reader reader = readers.open()) {
            Map<TopicPartition, long[]> ranges = reader.ranges(topic, filter.fromMs(), filter.toMs());
            List<Partition> parts = new ArrayList<>();
            for (Map.Entry<TopicPartition, long[]> r : ranges.entrySet()) {
                long lo = r.getValue()[0];
                long hi = r.getValue()[1];
                Long at = cursor == null ? null : cursor.positions.get(r.getKey().partition());
                if (at != null) {
                    if (newest) {
                        hi = Math.min(hi, at);
                    } else {
                        lo = Math.max(lo, at);
                    }
                }
                parts.add(new Partition(r.getKey(), lo, Math.max(lo, hi), newest));
            }
            List<DeadLetter> items = new ArrayList<>();
            int scanned = 0;
            boolean complete = true;
            while (items.size() < limit) {
                if (scanned >= MAX_SCANNED || System.nanoTime() > deadline) {
                    complete = false;
                    break;
                }
                Partition best = null;
                for (Partition p : parts) {
                    p.fill(reader);
                    DeadLetter head = p.buffer.peekFirst();
                    if (head != null && (best == null || before(head, best.buffer.peekFirst(), newest))) {
                        best = p;
                    }
                }
                if (best == null) {
                    break; // every partition read through
                }
                DeadLetter d = best.buffer.pollFirst();
                best.consumed(d);
                scanned++;
                if (filter.matches(d)) {
                    items.add(d);
                }
            }
            boolean more = false;
            Map<Integer, Long> next = new TreeMap<>();
            for (Partition p : parts) {
                more |= p.more();
                next.put(p.tp.partition(), p.consumed);
            }
            return new Page(items, more ? new Cursor(newest, next).encode() : null, scanned, complete);
        }
    }

    private static boolean before(DeadLetter a, DeadLetter b, boolean newest) {
        if (a.timestamp() != b.timestamp()) {
            return newest ? a.timestamp() > b.timestamp() : a.timestamp() < b.timestamp();
        }
        return a.partition() < b.partition();
    }

    /** One partition's part of the page: what is left of its range, and a chunk read from it. */
    private static final class Partition {
        final TopicPartition tp;
        final boolean newest;
        final Deque<DeadLetter> buffer = new ArrayDeque<>();
        long lo;
        long hi;
        /** newest first: everything below it is still to come; oldest first: everything from it. */
        long consumed;

        Partition(TopicPartition tp, long lo, long hi, boolean newest) {
            this.tp = tp;
            this.lo = lo;
            this.hi = hi;
            this.newest = newest;
            this.consumed = newest ? hi : lo;
        }

        /** Reads the next chunk while the buffer is empty and the range is not read through. */
        void fill(DeadLetterReaders.Reader reader) {
            while (buffer.isEmpty() && lo < hi) {
                long from = newest ? Math.max(lo, hi - CHUNK) : lo;
                long to = newest ? hi : Math.min(hi, lo + CHUNK);
                List<ConsumerRecord<byte[], byte[]>> chunk = reader.read(tp, from, to);
                if (newest) {
                    for (int i = chunk.size() - 1; i >= 0; i--) {
                        buffer.add(DeadLetter.of(chunk.get(i)));
                    }
                    hi = from;
                } else {
                    chunk.forEach(r -> buffer.add(DeadLetter.of(r)));
                    lo = to;
                }
            }
        }

        void consumed(DeadLetter d) {
            consumed = newest ? d.offset() : d.offset() + 1;
        }

        boolean more() {
            return !buffer.isEmpty() || lo < hi;
        }
    }

    /** Where the next page starts, per partition; opaque to clients (base64url of "n|0=15,1=20"). */
    record Cursor(boolean newest, Map<Integer, Long> positions) {
        String encode() {
            StringBuilder s = new StringBuilder(newest ? "n|" : "o|");
            positions.forEach((p, o) -> s.append(p).append('=').append(o).append(','));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(s.toString().getBytes(StandardCharsets.UTF_8));
        }

        static Cursor parse(String text, boolean newest) {
            if (text == null || text.isEmpty()) {
                return null;
            }
            String s;
            try {
                if (text.length() > 200_000) {
                    throw new IllegalArgumentException();
                }
                s = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a cursor from a previous page");
            }
            if (!s.startsWith(newest ? "n|" : "o|")) {
                throw new IllegalArgumentException("a cursor of a page in the other order");
            }
            Map<Integer, Long> positions = new HashMap<>();
            String body = s.substring(2);
            if (!body.isEmpty()) {
                for (String part : body.split(",")) {
                    int eq = part.indexOf('=');
                    try {
                        int p = Integer.parseInt(part.substring(0, eq));
                        long o = Long.parseLong(part.substring(eq + 1));
                        if (p < 0 || o < 0 || positions.size() >= MAX_CURSOR_PARTITIONS) {
                            throw new IllegalArgumentException();
                        }
                        positions.put(p, o);
                    } catch (RuntimeException e) {
                        throw new IllegalArgumentException("not a cursor from a previous page");
                    }
                }
            }
            return new Cursor(newest, positions);
        }
    }
}
