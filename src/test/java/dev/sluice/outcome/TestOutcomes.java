package dev.sluice.outcome;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.SluiceSettings;
import dev.sluice.pipeline.Progress;
import dev.sluice.pipeline.Stopping;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.core.Vertx;

/** Dead-letter writer and hold outside CDI, for tests of the stages above (their constructors are package-private). */
public final class TestOutcomes {
    private TestOutcomes() {
    }

    public static DeadLetterWriter writer(MutinyEmitter<byte[]> emitter) {
        return new DeadLetterWriter(emitter);
    }

    public static DeadLetterHold hold(DeadLetterWriter writer, CurrentConfig config, Stopping stopping, Progress progress,
            Vertx vertx, SluiceSettings settings) {
        return new DeadLetterHold(writer, new DeadLetterState(), config, stopping, progress, vertx, settings);
    }
}
