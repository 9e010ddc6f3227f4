package dev.sluice.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * For the fault tests, an app of their own. The broker takes records up to 4 MiB (its default is
 * 1 MiB), so that values larger than a route's default max-value-bytes can reach Sluice at all;
 * Sluice's own dead-letter producer keeps its default 1 MiB request size. Routes:
 * <ul>
 * <li>json: it.poison.json -> /json (200), expects json, max-value-bytes default (1 MiB),
 * dead letters to it.poison.json.dlq</li>
 * <li>ce: it.poison.ce -> /ce (200), expects cloudevents, max-value-bytes 4096,
 * dead letters to it.poison.ce.dlq</li>
 * <li>faulty: it.faulty (4 partitions) -> /faulty (the test sets its faults), timeout 500 ms,
 * 4 attempts, 20..200 ms backoff, 32 in flight, dead letters to it.faulty.dlq</li>
 * </ul>
 */
public class FaultsTestResource implements QuarkusTestResourceLifecycleManager {
    public static final int BROKER_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
    private static TestEnvironment env;

    public static TestEnvironment env() {
        return env;
    }

    /** Test-side clients able to produce records up to the broker's limit. */
    public static Kafka kafka() {
        return new Kafka(env.bootstrap(), Map.of("max.request.size", String.valueOf(BROKER_MAX_MESSAGE_BYTES)));
    }

    @Override
    public Map<String, String> start() {
        env = TestEnvironment.start(Map.of("message.max.bytes", String.valueOf(BROKER_MAX_MESSAGE_BYTES)));
        env.sink().on("/json", (id, attempt) -> TestSink.Reply.ok())
                .on("/ce", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            // one partition each: the committed offset then shows that every record was acked
            kafka.createTopic("it.poison.json", 1);
            kafka.createTopic("it.poison.ce", 1);
            kafka.createTopic("it.faulty", 4);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.max-in-flight", "128");
        env.route(config, "json", "it.poison.json", "/json", 16);
        config.put("sluice.routes.json.expects", "json");
        config.put("sluice.routes.json.dead-letter-topic", "it.poison.json.dlq");
        env.route(config, "ce", "it.poison.ce", "/ce", 16);
        config.put("sluice.routes.ce.expects", "cloudevents");
        config.put("sluice.routes.ce.max-value-bytes", "4096");
        config.put("sluice.routes.ce.dead-letter-topic", "it.poison.ce.dlq");
        env.route(config, "faulty", "it.faulty", "/faulty", 32);
        config.put("sluice.routes.faulty.timeout", "500ms");
        config.put("sluice.routes.faulty.retry.max-attempts", "4");
        config.put("sluice.routes.faulty.retry.initial-backoff", "20ms");
        config.put("sluice.routes.faulty.retry.max-backoff", "200ms");
        config.put("sluice.routes.faulty.dead-letter-topic", "it.faulty.dlq");
        return config;
    }

    @Override
    public void stop() {
        // the application has stopped by now: the broker goes last
        if (env != null) {
            env.close();
        }
    }
}
