package dev.sluice.deliver;

import java.util.List;
import java.util.Map;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TestConfig;
import dev.sluice.outcome.DeadLetterWriter;
import dev.sluice.outcome.RecordingEmitter;
import dev.sluice.outcome.TestOutcomes;
import dev.sluice.pipeline.Progress;
import dev.sluice.pipeline.Stopping;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;

/**
 * A {@link Delivery} outside CDI, to a target the test plays: real value gate, stats (a simple
 * meter registry), tracing (no-op OpenTelemetry), stop signal, dead-letter writer and hold, the
 * dead-letter channel a {@link RecordingEmitter}. Value checks run on the calling thread; the
 * hold's timers on a Vert.x instance of its own, closed by {@link #close}.
 */
public final class TestDelivery implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final Stopping stopping = new Stopping();
    private final RecordingEmitter deadLetters = new RecordingEmitter();
    private final DeliveryStats stats = new DeliveryStats(new SimpleMeterRegistry(), System::currentTimeMillis);
    private final CurrentConfig config;
    private final Delivery delivery;

    /** {@code settings}: startup properties such as {@code sluice.dead-letter.retry-initial-backoff}. */
    public TestDelivery(Target target, SluiceConfig snapshot, Map<String, String> settings) {
        Progress progress = new Progress();
        this.config = TestConfig.current(snapshot, settings);
        // meters for the routes in force, as the bean keeps them from the config it follows
        stats.follow(snapshot.routes().stream().map(Route::name).toList());
        DeadLetterWriter writer = TestOutcomes.writer(deadLetters.emitter());
        this.delivery = new Delivery(new ValueGate(Runnable::run), new Targets(List.of(target)), writer, stats, stopping,
                progress, new DeliveryTracing(OpenTelemetry.noop(), false), event -> false,
                TestOutcomes.hold(writer, config, stopping, progress, vertx, TestConfig.settings(settings)));
    }

    public Delivery delivery() {
        return delivery;
    }

    public Stopping stopping() {
        return stopping;
    }

    /** The dead-letter channel: what was written, and how the next writes are answered. */
    public RecordingEmitter deadLetters() {
        return deadLetters;
    }

    public CurrentConfig config() {
        return config;
    }

    public DeliveryStats stats() {
        return stats;
    }

    public Vertx vertx() {
        return vertx;
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
