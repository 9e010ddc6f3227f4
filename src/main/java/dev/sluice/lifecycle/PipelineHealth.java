package dev.sluice.lifecycle;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

import dev.sluice.config.ConfigTopic;
import dev.sluice.config.SluiceSettings;
import dev.sluice.intake.IntakeState;
import dev.sluice.pipeline.Progress;
import dev.sluice.schedule.AdmissionState;

/**
 * Health of the delivery pipeline, next to the Kafka connector's own checks (readiness: the
 * sluice-in consumer and the dead-letter producer (Channels.DEAD_LETTER) each hold a connection to the broker, so
 * a broker outage takes readiness DOWN; liveness: no failure reported on either channel, so an
 * outage alone leaves it UP).
 * Live: the intake has not failed, the pipeline is not stuck, no event loop is blocked. Ready: the
 * config is loaded from the config topic, the intake runs and no drain is under way; while the
 * config topic keeps the config from loading, readiness names the problem (see ConfigTopicHealth).
 * Started: the intake has subscribed to Kafka.
 */
public final class PipelineHealth {
    private PipelineHealth() {
    }

    static HealthCheckResponse describe(String name, boolean up, IntakeState intake, AdmissionState admission) {
        var builder = HealthCheckResponse.named(name).status(up)
                .withData("configVersion", admission.appliedVersion())
                .withData("inFlight", admission.inFlight())
                .withData("maxInFlight", admission.maxInFlight());
        if (intake.failure() != null) {
            builder.withData("failure", String.valueOf(intake.failure()));
        }
        return builder.build();
    }

    /**
     * Live unless the intake failed, the pipeline is stuck (work in flight, nothing moved for
     * {@code sluice.health.stuck-after}) or an event loop is blocked for
     * {@code sluice.health.event-loop-blocked-after}. A broker outage does not fail liveness: a
     * restart would not bring the broker back (readiness reports it).
     */
    @Liveness
    @ApplicationScoped
    static class Live implements HealthCheck {
        private final IntakeState intake;
        private final AdmissionState admission;
        private final Progress progress;
        private final EventLoopMonitor loops;
        private final SluiceSettings.HealthSettings settings;

        Live(IntakeState intake, AdmissionState admission, Progress progress, EventLoopMonitor loops, SluiceSettings settings) {
            this.intake = intake;
            this.admission = admission;
            this.progress = progress;
            this.loops = loops;
            this.settings = settings.health();
        }

        @Override
        public HealthCheckResponse call() {
            Duration still = progress.sinceLastMove();
            boolean stuck = admission.inFlight() > 0 && still.compareTo(settings.stuckAfter()) > 0;
            Duration blocked = loops.longestBlocked();
            boolean loopBlocked = blocked.compareTo(settings.eventLoopBlockedAfter()) > 0;
            var builder = HealthCheckResponse.named("sluice-pipeline")
                    .status(intake.failure() == null && !stuck && !loopBlocked)
                    .withData("inFlight", admission.inFlight())
                    .withData("msSinceProgress", still.toMillis())
                    .withData("eventLoopBlockedMs", blocked.toMillis());
            if (stuck) {
                builder.withData("stuck", "no progress for " + still.toMillis() + " ms with " + admission.inFlight()
                        + " records in flight (sluice.health.stuck-after=" + settings.stuckAfter() + ")");
            }
            if (loopBlocked) {
                builder.withData("blocked", "an event loop has not run a task for " + blocked.toMillis()
                        + " ms (sluice.health.event-loop-blocked-after=" + settings.eventLoopBlockedAfter() + ")");
            }
            if (intake.failure() != null) {
                builder.withData("failure", String.valueOf(intake.failure()));
            }
            return builder.build();
        }
    }

    @Readiness
    @ApplicationScoped
    static class Ready implements HealthCheck {
        private final IntakeState intake;
        private final AdmissionState admission;
        private final Drain drain;
        private final ConfigTopic configTopic;

        Ready(IntakeState intake, AdmissionState admission, Drain drain, ConfigTopic configTopic) {
            this.intake = intake;
            this.admission = admission;
            this.drain = drain;
            this.configTopic = configTopic;
        }

        @Override
        public HealthCheckResponse call() {
            if (drain.draining()) {
                return HealthCheckResponse.named("sluice-pipeline").down()
                        .withData("draining", true)
                        .withData("inFlight", drain.inFlight())
                        .withData("drainRemainingMs", drain.remaining().toMillis())
                        .build();
            }
            HealthCheckResponse pipeline = describe("sluice-pipeline", configTopic.isLoaded() && intake.running(), intake, admission);
            var problems = configTopic.integrity().problems();
            if (configTopic.isLoaded() || problems.isEmpty()) {
                return pipeline;
            }
            // not loaded because of the config topic: say why here, where the operator looks first
            var builder = HealthCheckResponse.builder().name(pipeline.getName()).status(false);
            pipeline.getData().ifPresent(data -> data.forEach((k, v) -> builder.withData(k, String.valueOf(v))));
            builder.withData("configTopic", String.join("; ", problems.values()));
            return builder.build();
        }
    }

    @Startup
    @ApplicationScoped
    static class Started implements HealthCheck {
        private final IntakeState intake;
        private final AdmissionState admission;

        Started(IntakeState intake, AdmissionState admission) {
            this.intake = intake;
            this.admission = admission;
        }

        @Override
        public HealthCheckResponse call() {
            return describe("sluice-pipeline", intake.failure() != null || intake.running(), intake, admission);
        }
    }
}
