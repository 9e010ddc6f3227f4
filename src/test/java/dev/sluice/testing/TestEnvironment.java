package dev.sluice.testing;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import dev.sluice.devkafka.EmbeddedKafkaBroker;

/**
 * A real Kafka broker (in this JVM, fresh data, free ports) and a {@link TestSink}, started
 * together and closed in order: sink, then broker. Tests close it after the app has stopped.
 */
public final class TestEnvironment implements AutoCloseable {
    private final EmbeddedKafkaBroker broker;
    private final TestSink sink;

    private TestEnvironment(EmbeddedKafkaBroker broker, TestSink sink) {
        this.broker = broker;
        this.sink = sink;
    }

    /** Starts both; {@code brokerOverrides} adds or replaces broker properties. */
    public static TestEnvironment start(Map<String, String> brokerOverrides) {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Path.of("target", "test-kafka-" + UUID.randomUUID()),
                brokerOverrides);
        return new TestEnvironment(broker, new TestSink());
    }

    /**
     * As {@link #start(Map)} with {@code auto.create.topics.enable=false}, as many production
     * clusters run: a producer's write to a missing topic fails instead of creating it.
     */
    public static TestEnvironment withoutTopicAutoCreation() {
        return start(Map.of("auto.create.topics.enable", "false"));
    }

    public String bootstrap() {
        return broker.bootstrapServers();
    }

    /** The broker, for tests that stop and restart it ({@link EmbeddedKafkaBroker#stop()}, {@code restart()}). */
    public EmbeddedKafkaBroker broker() {
        return broker;
    }

    public TestSink sink() {
        return sink;
    }

    /** Adds the keys of one route from {@code topic} to {@code path} on the sink. */
    public Map<String, String> route(Map<String, String> config, String name, String topic, String path, int maxInFlight) {
        config.put("sluice.routes." + name + ".topics", topic);
        config.put("sluice.routes." + name + ".target.url", sink.url(path));
        config.put("sluice.routes." + name + ".max-in-flight", String.valueOf(maxInFlight));
        return config;
    }

    @Override
    public void close() {
        sink.close();
        broker.close();
    }
}
