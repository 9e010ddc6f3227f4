package dev.sluice.deliver.http;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/**
 * One Vert.x context on each of Vert.x's event loops, handed out round robin to HTTP exchanges:
 * each runs on the next loop, so its connection is opened there (the pool prefers a connection
 * of the asking loop), its answer is handled there, and so is what the answer sets off (permits,
 * ack, the next record the intake starts). Without it every exchange ran on the context of whoever
 * started it, the Kafka connector's one event loop, and the whole data path ran on one thread.
 *
 * <p>Only the exchange moves: a record's start (lanes, permits, the drain's check that a first
 * attempt may begin) stays on the thread that starts records, in offset order. Moving the whole
 * delivery to the next loop let a later record of a partition pass the drain's check while an
 * earlier one had not yet, and the later one, delivered above an unacked offset, was redelivered
 * after the restart (DrainIT: 7 duplicates).
 */
final class EventLoops {
    private final Context[] contexts;
    private final AtomicInteger next = new AtomicInteger();

    EventLoops(Vertx vertx) {
        VertxInternal internal = (VertxInternal) vertx;
        int loops = 0;
        for (var ignored : internal.getEventLoopGroup()) {
            loops++;
        }
        // each new event-loop context takes the group's next loop: ask until every loop has one
        Map<EventLoop, Context> byLoop = new IdentityHashMap<>();
        for (int i = 0; i < loops * 4 && byLoop.size() < loops; i++) {
            ContextInternal context = internal.createEventLoopContext();
            byLoop.putIfAbsent(context.nettyEventLoop(), context);
        }
        this.contexts = byLoop.values().toArray(Context[]::new);
    }

    /**
     * A context of its own for one exchange, on the next event loop: a duplicate of that loop's
     * context, as Vert.x gives each HTTP request, so context-local data (Quarkus keeps the log MDC
     * there) belongs to the exchange. On the loop's root context every MDC lookup made a new
     * duplicate, and the JSON log lines written as an answer came back lost their route, topic,
     * partition and offset fields (JsonLogsIT).
     */
    Context next() {
        return ((ContextInternal) contexts[Math.floorMod(next.getAndIncrement(), contexts.length)]).duplicate();
    }

    /** How many event loops there are. */
    int size() {
        return contexts.length;
    }
}
