package dev.sluice.outcome;

import java.nio.charset.StandardCharsets;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The dead-letter channel as a test plays it: a {@link MutinyEmitter} that records every message
 * sent and answers each with the next answer the test queued (written, by default).
 */
public final class RecordingEmitter {
    private final List<Message<byte[]>> sent = new CopyOnWriteArrayList<>();
    private final Deque<Supplier<Uni<Void>>> answers = new ArrayDeque<>();

    /** The emitter to give to a {@link DeadLetterWriter}. */
    @SuppressWarnings("unchecked")
    public MutinyEmitter<byte[]> emitter() {
        return (MutinyEmitter<byte[]>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { MutinyEmitter.class }, (proxy, method, args) -> {
                    if (method.getName().equals("sendMessage")) {
                        sent.add((Message<byte[]>) args[0]);
                        return next().get();
                    }
                    if (method.getName().equals("toString")) {
                        return "RecordingEmitter";
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** The next message sent is answered by {@code answer} (a failed Uni: the broker refused it). */
    public synchronized RecordingEmitter thenAnswer(Supplier<Uni<Void>> answer) {
        answers.addLast(answer);
        return this;
    }

    private synchronized Supplier<Uni<Void>> next() {
        Supplier<Uni<Void>> a = answers.pollFirst();
        return a != null ? a : () -> Uni.createFrom().voidItem();
    }

    public List<Message<byte[]>> sent() {
        return List.copyOf(sent);
    }

    /** The Kafka metadata of the {@code i}-th message sent: its topic, key and headers. */
    @SuppressWarnings("unchecked")
    public OutgoingKafkaRecordMetadata<byte[]> metadata(int i) {
        return sent.get(i).getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
    }

    /** Last value of header {@code name} of the {@code i}-th message sent, as UTF-8; null if absent. */
    public String header(int i, String name) {
        Header h = metadata(i).getHeaders().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
