package dev.sluice.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.netty.util.concurrent.EventExecutor;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Watches the Vert.x event loops from outside: once a second it posts a no-op task to each loop
 * and notes when the loop runs it. A loop that has not run its task for longer than
 * {@code sluice.health.event-loop-blocked-after} is blocked (some code on it is doing CPU or
 * blocking work), and liveness fails. One daemon thread, one outstanding task per loop: nothing
 * accumulates however long a loop stays blocked.
 */
@ApplicationScoped
public class EventLoopMonitor {
    private static final long PING_INTERVAL_MS = 1000;

    private final Vertx vertx;
    private final List<Loop> loops = new ArrayList<>();
    private ScheduledExecutorService pinger;

    EventLoopMonitor(Vertx vertx) {
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        for (EventExecutor executor : vertx.nettyEventLoopGroup()) {
            loops.add(new Loop(executor));
        }
        pinger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-event-loop-monitor");
            t.setDaemon(true);
            return t;
        });
        pinger.scheduleWithFixedDelay(this::ping, 0, PING_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private void ping() {
        for (Loop loop : loops) {
            loop.ping();
        }
    }

    /** The longest time any event loop has been kept from running its tasks right now. */
    public Duration longestBlocked() {
        long now = System.nanoTime();
        long worst = 0;
        for (Loop loop : loops) {
            worst = Math.max(worst, loop.blockedNanos(now));
        }
        return Duration.ofNanos(worst);
    }

    public int loops() {
        return loops.size();
    }

    @PreDestroy
    void stop() {
        if (pinger != null) {
            pinger.shutdownNow();
        }
    }

    private static final class Loop {
        private final EventExecutor executor;
        /** When the outstanding task was posted; 0 when the loop has run it. */
        private volatile long postedNanos;

        Loop(EventExecutor executor) {
            this.executor = executor;
        }

        void ping() {
            if (postedNanos != 0) {
                return; // the last one has not run yet: the loop is busy or blocked, do not pile up
            }
            long posted = System.nanoTime();
            postedNanos = posted;
            try {
                executor.execute(() -> postedNanos = 0);
            } catch (RejectedExecutionException shuttingDown) {
                postedNanos = 0;
            }
        }

        long blockedNanos(long now) {
            long posted = postedNanos;
            return posted == 0 ? 0 : Math.max(0, now - posted);
        }
    }
}
