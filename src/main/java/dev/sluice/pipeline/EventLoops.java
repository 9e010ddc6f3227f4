package dev.sluice.pipeline;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/**
 * The Vert.x event loops deliveries run on: one context on each, handed out round robin. A
 * delivery starts on the next one ({@link #executor()}) once its lane lets it go, and its HTTP
 * exchange stays there, so its connection is opened on that loop (the pool prefers a connection
 * of the asking loop), its answer is handled there, and so is what the answer sets off (permits,
 * ack, the next record started). Without it the whole data path ran on the Kafka connector's one
 * event loop thread, whatever the number of cores.
 */
@ApplicationScoped
public class EventLoops {
    private final Context[] contexts;
    private final AtomicInteger next = new AtomicInteger();
    private final Executor executor = task -> next().runOnContext(v -> task.run());

    @Inject
    public EventLoops(Vertx vertx) {
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

    /** The context of the next event loop. */
    public Context next() {
        return contexts[Math.floorMod(next.getAndIncrement(), contexts.length)];
    }

    /**
     * The caller's context when it runs on an event loop (no hop), else the next one: a retry
     * after its backoff comes from a worker thread, a dead-letter answer from the producer's.
     */
    public Context currentOrNext() {
        Context current = Vertx.currentContext();
        return current != null && current.isEventLoopContext() ? current : next();
    }

    /** Runs each task on the next event loop. */
    public Executor executor() {
        return executor;
    }

    /** How many event loops there are. */
    public int size() {
        return contexts.length;
    }
}
