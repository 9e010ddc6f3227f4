package dev.sluice.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

/** How a record's life ends: acked only when every route is done with it, never when one let it go. */
class RecordOutcomeTest {
    private final AtomicInteger acks = new AtomicInteger();
    private final AtomicReference<Throwable> nacked = new AtomicReference<>();
    private final Message<byte[]> message = Message.of(new byte[0], () -> {
        acks.incrementAndGet();
        return CompletableFuture.completedFuture(null);
    }, t -> {
        nacked.set(t);
        return CompletableFuture.completedFuture(null);
    });

    private static void completes(io.smallrye.mutiny.Uni<Void> uni) {
        uni.subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted();
    }

    @Test
    void deliveredOrDeadLetteredByEveryRouteIsAcked() {
        completes(RecordOutcome.settle(message, List.of(DeliveryResult.DELIVERED, DeliveryResult.DEAD_LETTERED)));
        assertEquals(1, acks.get());
        assertEquals(null, nacked.get());
    }

    @Test
    void oneRouteLettingItGoLeavesItUnackedWhateverTheOthersDid() {
        completes(RecordOutcome.settle(message, List.of(DeliveryResult.DELIVERED, DeliveryResult.ABANDONED)));
        assertEquals(0, acks.get(), "acked, it would be committed though one route never delivered it");
        assertEquals(null, nacked.get(), "nacked, it would fail the channel");
    }

    @Test
    void aRecordNoRouteTakesIsNeitherAckedNorNacked() {
        completes(RecordOutcome.noRoute(new dev.sluice.pipeline.Event("gone", 0, 7, 0, null, new byte[0],
                new org.apache.kafka.common.header.internals.RecordHeaders())));
        assertEquals(0, acks.get());
    }

    @Test
    void anUnexpectedFailureNacksWithItsCause() {
        IllegalStateException boom = new IllegalStateException("boom");
        completes(RecordOutcome.nack(message, boom));
        assertSame(boom, nacked.get());
        assertEquals(0, acks.get());
    }
}
