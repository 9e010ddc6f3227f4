package dev.sluice.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * For the metrics tests, an app of their own, so meters move only with their traffic. Routes:
 * <ul>
 * <li>metered: it.metered (2 partitions) -> /metered, 8 in flight, dead letters to it.metered.dlq.
 * The sink answers 400 to ids starting with "bad", 503 to the first attempt of ids starting with
 * "retry", 200 otherwise.</li>
 * <li>held: it.held (1 partition) -> /held, 4 in flight, timeout 60 s: the sink holds every request
 * until the test releases them, so the pipeline fills and the consumer pauses.</li>
 * </ul>
 * The global limit is 32. Topic it.extra has no route at startup (routes on it come and go through
 * the admin API, token "test-token"); the sink answers /extra with 200.
 */
public class MetricsTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String TOKEN = "test-token";
    private static TestEnvironment env;

    public static TestEnvironment env() {
        return env;
    }

    @Override
    public Map<String, String> start() {
        env = TestEnvironment.start(Map.of());
        env.sink()
                .on("/metered", (id, attempt) -> id.startsWith("bad") ? TestSink.Reply.status(400)
                        : id.startsWith("retry") && attempt == 1 ? TestSink.Reply.status(503)
                        : TestSink.Reply.ok())
                .on("/held", (id, attempt) -> TestSink.Reply.held())
                .on("/extra", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("it.metered", 2);
            kafka.createTopic("it.held", 1);
            kafka.createTopic("it.extra", 1);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        config.put("sluice.max-in-flight", "32");
        env.route(config, "metered", "it.metered", "/metered", 8);
        config.put("sluice.routes.metered.dead-letter-topic", "it.metered.dlq");
        config.put("sluice.routes.metered.retry.initial-backoff", "10ms");
        env.route(config, "held", "it.held", "/held", 4);
        config.put("sluice.routes.held.timeout", "60s");
        return config;
    }

    @Override
    public void stop() {
        if (env != null) {
            env.close();
        }
    }
}
