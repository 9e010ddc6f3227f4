package dev.sluice.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

import dev.sluice.config.ConfigTopic;
import dev.sluice.config.CurrentConfig;
import io.smallrye.health.api.Wellness;

/**
 * {@code sluice-config-topic} in /q/health/well (and /q/health): DOWN, with one line per problem,
 * while the config topic is missing, not compacted, lost its history or holds an unusable latest
 * record (see {@code ConfigTopicIntegrity}). A wellness check, not readiness: a replica that runs a
 * config it has read is still right to take records, every replica sees the same topic (readiness
 * DOWN would take them all out of the Service together, and with them the admin API that repairs
 * the topic), and a restart does not repair a topic (so not liveness either). A replica that has
 * not loaded a config is not ready anyway, and its readiness names the same problems.
 */
@Wellness
@ApplicationScoped
public class ConfigTopicHealth implements HealthCheck {
    private final ConfigTopic topic;
    private final CurrentConfig config;

    ConfigTopicHealth(ConfigTopic topic, CurrentConfig config) {
        this.topic = topic;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        var problems = topic.integrity().problems();
        var builder = HealthCheckResponse.named("sluice-config-topic").status(problems.isEmpty())
                .withData("topic", topic.integrity().topic())
                .withData("configVersion", config.versioned().version())
                .withData("loaded", topic.isLoaded());
        problems.forEach((problem, reason) -> builder.withData(problem.name().toLowerCase(java.util.Locale.ROOT), reason));
        return builder.build();
    }
}
