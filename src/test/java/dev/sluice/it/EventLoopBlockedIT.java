package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.SluiceTestResource;
import io.netty.util.concurrent.EventExecutor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.health.SmallRyeHealthReporter;
import io.vertx.core.Vertx;

/**
 * Liveness fails while the Vert.x event loops are blocked (code doing blocking or CPU work on
 * them) for longer than sluice.health.event-loop-blocked-after (2 s in the tests), and recovers
 * once they run again. The loops are really blocked here; the health report is read through the
 * reporter on this thread, since the HTTP endpoint itself is served by the blocked loops.
 */
@QuarkusTest
@QuarkusTestResource(value = SluiceTestResource.class, restrictToAnnotatedClass = true)
class EventLoopBlockedIT {
    @Inject
    Vertx vertx;

    @Inject
    SmallRyeHealthReporter health;

    @Test
    void blockedEventLoopsFailLivenessUntilTheyRunAgain() throws InterruptedException {
        assertEquals("UP", liveness(), "live before");
        CountDownLatch release = new CountDownLatch(1);
        int loops = 0;
        for (EventExecutor loop : vertx.nettyEventLoopGroup()) {
            loops++;
            loop.execute(() -> {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> "DOWN".equals(liveness()));
            String report = health.getLiveness().getPayload().toString();
            assertTrue(report.contains("an event loop has not run a task for"), report);
        } finally {
            release.countDown();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(liveness()));
        System.out.printf("blockedEventLoopsFailLivenessUntilTheyRunAgain: %d event loops blocked -> DOWN, released -> UP%n", loops);
    }

    private String liveness() {
        return health.getLiveness().getPayload().getString("status");
    }
}
