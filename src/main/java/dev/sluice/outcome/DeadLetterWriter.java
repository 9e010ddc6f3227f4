package dev.sluice.outcome;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import dev.sluice.config.Channels;
import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Writes a record that a route could not deliver to the route's dead-letter topic: original key,
 * value and headers, plus headers that say why. The returned Uni completes only once the broker has
 * acknowledged the write ({@code acks=all}); it fails otherwise, and the caller must then not ack
 * the source record.
 *
 * <p>One exception: a value too large for the dead-letter topic (the producer's
 * {@code max.request.size} or the topic's {@code max.message.bytes}; typically a record refused for
 * {@code max-value-bytes} from a source topic that allows larger ones) is written without its value,
 * with {@link #VALUE_DROPPED} saying so. Failing would stop the stream on this record again after
 * every restart; the headers still say where the original is.
 */
@ApplicationScoped
public class DeadLetterWriter {
    private static final Logger LOG = Logger.getLogger(DeadLetterWriter.class);
    public static final String REASON = "dead-letter-reason";
    public static final String HTTP_STATUS = "dead-letter-http-status";
    public static final String ATTEMPTS = "dead-letter-attempts";
    public static final String ROUTE = "dead-letter-route";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";
    /** Present when the value was too large for the dead-letter topic and left out: its size and Kafka's refusal. */
    public static final String VALUE_DROPPED = "dead-letter-value-dropped";
    /** Bounds the wait for the broker's acknowledgement beyond the producer's own delivery timeout. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(60);

    private final MutinyEmitter<byte[]> emitter;

    // The buffer only fills while the producer has max-inflight-messages writes outstanding;
    // in-flight permits keep the number of concurrent writes far below it.
    DeadLetterWriter(@Channel(Channels.DEAD_LETTER) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    MutinyEmitter<byte[]> emitter) {
        this.emitter = emitter;
    }

    public Uni<Void> write(Route route, Event event, AttemptOutcome last, int attempts) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : event.headers()) {
            headers.add(h);
        }
        put(headers, REASON, last.reason());
        if (last.status() > 0) {
            put(headers, HTTP_STATUS, String.valueOf(last.status()));
        }
        put(headers, ATTEMPTS, String.valueOf(attempts));
        put(headers, ROUTE, route.name());
        put(headers, TOPIC, event.topic());
        put(headers, PARTITION, String.valueOf(event.partition()));
        put(headers, OFFSET, String.valueOf(event.offset()));
        return send(route, event.key(), event.value(), headers)
                .onFailure(t -> event.value() != null && tooLarge(t)).recoverWithUni(t -> {
                    RecordLog.log(LOG, Logger.Level.WARN, null, route, event,
                            "value of %d bytes too large for dead-letter topic %s (%s); writing the dead letter without it",
                            event.value().length, route.deadLetterTopic(), t.getMessage());
                    put(headers, VALUE_DROPPED, event.value().length + " bytes: " + t.getMessage());
                    return send(route, event.key(), null, headers);
                });
    }

    private Uni<Void> send(Route route, byte[] key, byte[] value, RecordHeaders headers) {
        OutgoingKafkaRecordMetadata<byte[]> metadata = OutgoingKafkaRecordMetadata.<byte[]> builder()
                .withTopic(route.deadLetterTopic())
                .withKey(key)
                .withHeaders(headers)
                .build();
        Message<byte[]> message = Message.of(value).addMetadata(metadata);
        return emitter.sendMessage(message)
                .ifNoItem().after(WRITE_TIMEOUT).failWith(() -> new IllegalStateException(
                        "dead-letter write to " + route.deadLetterTopic() + " not acknowledged within " + WRITE_TIMEOUT));
    }

    /** Kafka refused the record for its size, client side or broker side: the same record will never fit. */
    static boolean tooLarge(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RecordTooLargeException) {
                return true;
            }
        }
        return false;
    }

    private static void put(RecordHeaders headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
