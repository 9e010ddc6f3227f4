package dev.sluice.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * For the admin API tests, an app of their own (config changes must not leak into other tests):
 * route "live": it.live -> /slow (200 after 50 ms), 4 in flight; admin token "test-token".
 * Topic it.added has no route at startup; the sink answers /ok at once.
 */
public class AdminTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String TOKEN = "test-token";
    private static TestEnvironment env;

    public static TestEnvironment env() {
        return env;
    }

    @Override
    public Map<String, String> start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/slow", (id, attempt) -> TestSink.Reply.ok(50))
                .on("/ok", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("it.live", 4);
            // no route at startup: routes on it come and go through the admin API
            kafka.createTopic("it.added", 2);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        env.route(config, "live", "it.live", "/slow", 4);
        return config;
    }

    @Override
    public void stop() {
        if (env != null) {
            env.close();
        }
    }
}
