package dev.sluice.outcome;

import java.util.List;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.sluice.pipeline.Event;
import io.smallrye.mutiny.Uni;

/**
 * How a record's life ends, one method per transition. A record is committed only through
 * {@link #ack}: the connector's throttled commit strategy
 * ({@code mp.messaging.incoming.sluice-in.commit-strategy=throttled}) commits, every second, the
 * highest offset of each partition below which every record is acked; a record left unacked holds
 * its partition's commit back, and its next owner reads it again.
 *
 * <pre>
 *   received (Intake: staged, then started under a global permit)
 *     +-- no route takes its topic now ------------------------> leaveUnacked
 *     +-- each matching route (Delivery, in parallel):
 *           DELIVERED | DEAD_LETTERED (dead letter written, acked by the broker)
 *           | ABANDONED (stopping, or the partition went, before its first attempt)
 *           | held (its dead letter cannot be written: DeadLetterHold retries until written or ABANDONED)
 *     +-- every route DELIVERED or DEAD_LETTERED ---------------> ack --> committed (throttled, within ~1 s)
 *     +-- any route ABANDONED ----------------------------------> leaveUnacked --> the next owner delivers it
 *     +-- an unexpected failure in any stage --------------------> nack --> the channel fails, liveness DOWN,
 *                                                                    a restart redelivers what was not committed
 * </pre>
 */
public final class RecordOutcome {
    private static final Logger LOG = Logger.getLogger(RecordOutcome.class);

    private RecordOutcome() {
    }

    /** What every route did with the record: ack it, or leave it unacked if any route let it go. */
    public static Uni<Void> settle(Message<byte[]> message, List<DeliveryResult> results) {
        return results.contains(DeliveryResult.ABANDONED) ? leaveUnacked() : ack(message);
    }

    /** Done with for every route: counted for the commit. */
    public static Uni<Void> ack(Message<byte[]> message) {
        return Uni.createFrom().completionStage(message::ack);
    }

    /**
     * Not done, and not for this replica to finish (stopping, or its partition went): neither
     * acked nor nacked, so the commit never passes it and the next owner reads it again. Nothing
     * is lost; the cost is a duplicate when a target already got it.
     */
    public static Uni<Void> leaveUnacked() {
        return Uni.createFrom().voidItem();
    }

    /**
     * No route takes the record's topic any more (the consumer is letting the topic go): acking
     * would commit it as done; left unacked, it is read again if a route for the topic comes back.
     */
    public static Uni<Void> noRoute(Event event) {
        LOG.debugf("topic=%s partition=%d offset=%d: no route uses this topic now; left unacked", event.topic(),
                event.partition(), event.offset());
        return leaveUnacked();
    }

    /** An unexpected failure: the connector fails the channel (liveness DOWN); a restart redelivers. */
    public static Uni<Void> nack(Message<byte[]> message, Throwable failure) {
        return Uni.createFrom().completionStage(() -> message.nack(failure));
    }
}
