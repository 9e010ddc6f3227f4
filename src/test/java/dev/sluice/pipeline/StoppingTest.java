package dev.sluice.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;


import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

class StoppingTest {

    @Test
    void aCancelledWaitLeavesNothingBehind() {
        Stopping stopping = new Stopping();
        AtomicInteger completed = new AtomicInteger();
        for (int i = 0; i < 10_000; i++) {
            Cancellable wait = stopping.began().subscribe().with(v -> completed.incrementAndGet());
            wait.cancel();
        }
        assertEquals(0, stopping.waiting(), "cancelled waits are forgotten");
        stopping.begin();
        assertEquals(0, completed.get(), "a cancelled wait is not completed");
    }

    @Test
    void theWaitOfEveryFirstAttemptLeavesNothingBehindOnceItsPermitWins() {
        // as Delivery waits for a route permit or the drain, whichever comes first
        Stopping stopping = new Stopping();
        for (int i = 0; i < 10_000; i++) {
            Uni.combine().any().of(Uni.createFrom().item("permit"), stopping.began().replaceWith("stopping"))
                    .await().indefinitely();
        }
        assertEquals(0, stopping.waiting());
    }

    @Test
    void beginCompletesEveryWaitAndLaterOnesAtOnce() {
        Stopping stopping = new Stopping();
        List<Integer> done = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            stopping.began().subscribe().with(v -> done.add(n));
        }
        assertFalse(stopping.isStopping());
        assertEquals(3, stopping.waiting());
        stopping.begin();
        assertTrue(stopping.isStopping());
        // every wait completed once, in no particular order
        assertEquals(3, done.size());
        assertEquals(Set.of(0, 1, 2), Set.copyOf(done));
        assertEquals(0, stopping.waiting());
        stopping.began().subscribe().with(v -> done.add(3));
        assertEquals(4, done.size(), "a wait that starts after the drain began completes at once");
        assertEquals(3, done.get(3));
    }
}
