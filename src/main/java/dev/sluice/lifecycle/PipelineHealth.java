package dev.sluice.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

import dev.sluice.config.ConfigTopic;
import dev.sluice.intake.Intake;

/**
 * Health of the delivery pipeline, next to the Kafka connector's own checks (which report broker
 * connectivity and consumer state for the sluice-in channel).
 * Live: the intake has not failed. Ready: the config is loaded from the config topic, the intake
 * runs and no drain is under way.
 * Started: the intake has subscribed to Kafka.
 */
public final class PipelineHealth {
    private PipelineHealth() {
    }

    static HealthCheckResponse describe(String name, boolean up, Intake intake) {
        var builder = HealthCheckResponse.named(name).status(up)
                .withData("configVersion", intake.appliedVersion())
                .withData("inFlight", intake.inFlight())
                .withData("maxInFlight", intake.globalLimit().limit());
        if (intake.failure() != null) {
            builder.withData("failure", String.valueOf(intake.failure()));
        }
        return builder.build();
    }

    @Liveness
    @ApplicationScoped
    static class Live implements HealthCheck {
        private final Intake intake;

        Live(Intake intake) {
            this.intake = intake;
        }

        @Override
        public HealthCheckResponse call() {
            return describe("sluice-pipeline", intake.failure() == null, intake);
        }
    }

    @Readiness
    @ApplicationScoped
    static class Ready implements HealthCheck {
        private final Intake intake;
        private final Drain drain;
        private final ConfigTopic configTopic;

        Ready(Intake intake, Drain drain, ConfigTopic configTopic) {
            this.intake = intake;
            this.drain = drain;
            this.configTopic = configTopic;
        }

        @Override
        public HealthCheckResponse call() {
            return describe("sluice-pipeline", configTopic.isLoaded() && intake.running() && !drain.draining(), intake);
        }
    }

    @Startup
    @ApplicationScoped
    static class Started implements HealthCheck {
        private final Intake intake;

        Started(Intake intake) {
            this.intake = intake;
        }

        @Override
        public HealthCheckResponse call() {
            return describe("sluice-pipeline", intake.failure() != null || intake.running(), intake);
        }
    }
}
