package dev.sluice.api;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceSettings;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * GET /admin/events: the live status stream as Server-Sent Events (open and read-only, as
 * GET /admin/status). Each subscriber is a cursor into the shared {@link EventRing}, written to
 * on its connection's event loop only while the connection can take more
 * ({@code writeQueueFull()}, then a {@code drainHandler}); a stalled one costs no memory beyond
 * its socket's buffers and one event, and the producer never waits for it. When it can take more
 * again and has fallen out of the ring, it gets a {@code lagged} event with the count it missed
 * and continues from the oldest event retained.
 *
 * <p>The SSE {@code id} is the event's sequence id: a reconnect with {@code Last-Event-ID: k}
 * resumes at k+1 (or with {@code lagged}, as above). A new subscriber gets the latest
 * {@code config} and {@code status} at once. At most {@code sluice.admin.events.max-subscribers} (32) at a time (more:
 * 503). When the drain finishes, each gets the final {@code drain} event and its stream ends.
 */
@ApplicationScoped
public class EventStream implements StatusEvents.Listener {
    private static final Logger LOG = Logger.getLogger(EventStream.class);
    static final String PATH = "/admin/events";
    /** Events read from the ring at a time (the write stops as soon as the connection is full). */
    private static final int BATCH = 16;
    /** How long a subscriber that cannot take the final events keeps its connection after the drain. */
    private static final long CLOSE_GRACE_MS = 1_000;

    private final StatusEvents events;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();
    /** Subscribers served at once: dashboards and operators, not a fan-out service. */
    private final int maxSubscribers;

    EventStream(StatusEvents events, SluiceSettings settings) {
        this.events = events;
        this.maxSubscribers = settings.admin().events().maxSubscribers();
        events.listen(this);
    }

    void routes(@Observes Router router) {
        router.get(PATH).handler(this::subscribe);
    }

    /** Subscribers connected now. */
    int subscribers() {
        return count.get();
    }

    @Override
    public void published() {
        subscribers.forEach(Subscriber::wake);
    }

    @Override
    public void closed() {
        subscribers.forEach(Subscriber::finish);
    }

    @Override
    public boolean awaitEnded(long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000;
        // not on an event loop: the signal's thread, before the shutdown starts
        while (count.get() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        return count.get() == 0;
    }

    private void subscribe(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        if (events.closed()) {
            refuse(response, "sluice is draining: the status stream is closed");
            return;
        }
        if (count.incrementAndGet() > maxSubscribers) {
            count.decrementAndGet();
            refuse(response, "too many status stream subscribers (at most " + maxSubscribers + "); try again later");
            return;
        }
        EventRing ring = events.ring();
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        long lastSeen = lastEventId != null && isId(lastEventId) ? Long.parseLong(lastEventId.strip()) : -1;
        // an id this process never gave (none, or another replica's) is a new subscriber
        boolean resumed = lastSeen >= 0 && lastSeen < ring.nextId();
        long cursor = resumed ? ring.resumeAfter(lastSeen) : ring.nextId();
        response.setStatusCode(200).setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        Subscriber s = new Subscriber(response, Vertx.currentContext(), cursor);
        response.closeHandler(v -> s.gone());
        response.exceptionHandler(t -> s.gone());
        subscribers.add(s);
        StringBuilder first = new StringBuilder("retry: 1000\n\n");
        if (!resumed) {
            // new (or from another process's stream): the current state at once, then what comes
            for (EventRing.Entry e : events.current()) {
                // one published since the cursor was read comes with the cursor, not twice
                if (e.id() < cursor) {
                    frame(first, e);
                }
            }
        }
        response.write(first.toString());
        s.pump();
        if (events.closed()) {
            // the stream closed while this one was joining: it missed closed()'s finish, so it ends here
            s.finish();
        }
    }

    private static boolean isId(String value) {
        String v = value.strip();
        if (v.isEmpty() || v.length() > 18) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            if (!Character.isDigit(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static void refuse(HttpServerResponse response, String message) {
        response.setStatusCode(503).putHeader("Content-Type", "application/json").putHeader("Retry-After", "5")
                .end("{\"error\":\"" + message + "\"}");
    }

    private static void frame(StringBuilder out, EventRing.Entry e) {
        out.append("id: ").append(e.id()).append('\n').append("event: ").append(e.type()).append('\n')
                .append("data: ").append(e.data()).append("\n\n");
    }

    /** One connection: a cursor, touched only on its connection's event loop. */
    private final class Subscriber {
        private final HttpServerResponse response;
        private final Context context;
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicBoolean removed = new AtomicBoolean();
        /** Set while the connection is full: a drain handler will resume, so wakes are skipped. */
        private volatile boolean full;
        private volatile boolean finishing;
        private long cursor;
        private boolean ended;

        Subscriber(HttpServerResponse response, Context context, long cursor) {
            this.response = response;
            this.context = context;
            this.cursor = cursor;
        }

        /** From the producer's thread: schedules a pump unless one is due or the connection is full. */
        void wake() {
            if (!full && scheduled.compareAndSet(false, true)) {
                context.runOnContext(v -> {
                    scheduled.set(false);
                    pump();
                });
            }
        }

        void finish() {
            finishing = true;
            context.runOnContext(v -> {
                pump();
                if (!ended) {
                    // it cannot take the final events: it does not hold the shutdown up
                    context.owner().setTimer(CLOSE_GRACE_MS, id -> close());
                }
            });
        }

        /** Writes what the connection takes now; on its event loop. */
        void pump() {
            if (ended) {
                return;
            }
            EventRing ring = events.ring();
            while (!response.writeQueueFull()) {
                EventRing.Batch b = ring.read(cursor, BATCH);
                if (b.missed() > 0) {
                    response.write("event: lagged\ndata: {\"missed\":" + b.missed() + ",\"resumeAt\":"
                            + (cursor + b.missed()) + "}\n\n");
                    cursor += b.missed();
                }
                if (b.entries().isEmpty()) {
                    break;
                }
                for (EventRing.Entry e : b.entries()) {
                    if (response.writeQueueFull()) {
                        break;
                    }
                    StringBuilder out = new StringBuilder(e.data().length() + 48);
                    frame(out, e);
                    response.write(Buffer.buffer(out.toString().getBytes(StandardCharsets.UTF_8)));
                    cursor = e.id() + 1;
                }
            }
            if (response.writeQueueFull()) {
                full = true;
                response.drainHandler(v -> {
                    full = false;
                    pump();
                });
                return;
            }
            full = false;
            if (finishing && cursor >= ring.nextId()) {
                ended = true;
                response.end();
                gone();
            }
        }

        void close() {
            if (!ended) {
                ended = true;
                try {
                    response.close();
                } catch (RuntimeException e) {
                    LOG.debugf(e, "status stream: closing a stalled subscriber");
                }
                gone();
            }
        }

        void gone() {
            ended = true;
            if (removed.compareAndSet(false, true)) {
                subscribers.remove(this);
                count.decrementAndGet();
            }
        }
    }
}
