package dev.sluice.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts what the integration tests need, on free ports, before Sluice starts: a real Kafka
 * broker in this JVM and a {@link TestSink}; returns the configuration that points Sluice's
 * routes at them. Routes (topic -> sink path):
 * <ul>
 * <li>ok: it.ok -> /ok (200), 64 in flight</li>
 * <li>slow: it.slow -> /slow (200 after 50 ms), 8 in flight</li>
 * <li>slow2: it.slow2 -> /slow2 (200 after 50 ms), 128 in flight (= the global limit)</li>
 * <li>flaky: it.flaky -> /flaky (503 twice per event, then 200)</li>
 * <li>reject: it.reject -> /reject (400 for ids starting with "bad"), dead letters to it.reject.dlq</li>
 * <li>down: it.down -> /down (always 503), 3 attempts, dead letters to it.down.dlq</li>
 * <li>gate: it.gate (1 partition) -> /gate (the event "gate" is held until the test releases it)</li>
 * <li>throttled: it.throttled -> /throttled (429 with Retry-After: 1 at first, then 200)</li>
 * </ul>
 */
public class SluiceTestResource implements QuarkusTestResourceLifecycleManager {
    private static TestEnvironment env;

    public static TestSink sink() {
        return env.sink();
    }

    public static String bootstrap() {
        return env.bootstrap();
    }

    @Override
    public Map<String, String> start() {
        env = TestEnvironment.start(Map.of());
        env.sink()
                .on("/ok", (id, attempt) -> TestSink.Reply.ok())
                .on("/slow", (id, attempt) -> TestSink.Reply.ok(50))
                .on("/flaky", (id, attempt) -> attempt <= 2 ? TestSink.Reply.status(503) : TestSink.Reply.ok())
                .on("/reject", (id, attempt) -> id.startsWith("bad") ? TestSink.Reply.status(400) : TestSink.Reply.ok())
                .on("/down", (id, attempt) -> TestSink.Reply.status(503))
                .on("/slow2", (id, attempt) -> TestSink.Reply.ok(50))
                .on("/gate", (id, attempt) -> id.equals("gate") ? TestSink.Reply.held() : TestSink.Reply.ok())
                .on("/throttled", (id, attempt) -> attempt == 1
                        ? new TestSink.Reply(429, 0, Map.of("Retry-After", "1"))
                        : TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            for (String topic : new String[] { "it.ok", "it.slow", "it.flaky", "it.reject", "it.down", "it.throttled", "it.slow2" }) {
                kafka.createTopic(topic, 4);
            }
            kafka.createTopic("it.gate", 1);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.max-in-flight", "128");
        config.put("sluice.health.event-loop-blocked-after", "2s");
        route(config, "ok", "it.ok", "/ok", 64);
        route(config, "slow", "it.slow", "/slow", 8);
        route(config, "slow2", "it.slow2", "/slow2", 128);
        route(config, "flaky", "it.flaky", "/flaky", 32);
        config.put("sluice.routes.flaky.retry.initial-backoff", "20ms");
        config.put("sluice.routes.flaky.retry.max-backoff", "200ms");
        route(config, "reject", "it.reject", "/reject", 16);
        config.put("sluice.routes.reject.dead-letter-topic", "it.reject.dlq");
        route(config, "down", "it.down", "/down", 16);
        config.put("sluice.routes.down.retry.max-attempts", "3");
        config.put("sluice.routes.down.retry.initial-backoff", "10ms");
        config.put("sluice.routes.down.dead-letter-topic", "it.down.dlq");
        route(config, "gate", "it.gate", "/gate", 16);
        config.put("sluice.routes.gate.timeout", "60s");
        route(config, "throttled", "it.throttled", "/throttled", 16);
        config.put("sluice.routes.throttled.retry.initial-backoff", "10ms");
        return config;
    }

    private static void route(Map<String, String> config, String name, String topic, String path, int maxInFlight) {
        env.route(config, name, topic, path, maxInFlight).put("sluice.routes." + name + ".timeout", "5s");
    }

    @Override
    public void stop() {
        // the application has stopped by now: the broker goes last
        if (env != null) {
            env.close();
        }
    }
}
