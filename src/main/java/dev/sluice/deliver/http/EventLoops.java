package dev.sluice.deliver.http;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/**
 * One Vert.x context on each of Vert.x's event loops, handed out round robin: each HTTP exchange
 * runs on the next, so its connection is opened (the pool prefers a connection of the asking
 * loop) and its answer handled there, and so is what the answer sets off downstream (permits,
 * ack, the next record the intake starts). Without it every exchange ran on the context of
 * whoever started it, the Kafka connector's single event loop, and the whole data path ran on one
 * thread however many cores there were.
 */
final class EventLoops {
    private final Context[] contexts;
    private final AtomicInteger next = new AtomicInteger();

    EventLoops(Vertx vertx) {
        VertxInternal internal = (VertxInternal) vertx;
        // createEventLoopContext() takes the group's next loop; ask until each loop has a context
        int loops = 0;
        for (var ignored : internal.getEventLoopGroup()) {
            loops++;
        }
        Map<EventLoop, Context> byLoop = new IdentityHashMap<>();
        for (int i = 0; i < loops * 4 && byLoop.size() < loops; i++) {
            ContextInternal context = internal.createEventLoopContext();
            byLoop.putIfAbsent(context.nettyEventLoop(), context);
        }
        List<Context> list = new ArrayList<>(byLoop.values());
        this.contexts = list.toArray(Context[]::new);
    }

    /** The context of the next event loop. */
    Context next() {
        return contexts[Math.floorMod(next.getAndIncrement(), contexts.length)];
    }

    int size() {
        return contexts.length;
    }
}
