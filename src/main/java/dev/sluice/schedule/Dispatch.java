package dev.sluice.schedule;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.sluice.pipeline.Event;
import io.smallrye.mutiny.Uni;

/** Where admission hands a started record: the {@link Dispatcher} (a test's stand-in in AdmissionTest). */
public interface Dispatch {
    /**
     * Takes the record to its outcome; completes once it is acked, let go or nacked. {@code parking}
     * lets the record give back its in-flight permit for a parking slot while it waits.
     */
    Uni<Void> dispatch(Message<byte[]> message, Event event, Lanes.Parking parking);
}
