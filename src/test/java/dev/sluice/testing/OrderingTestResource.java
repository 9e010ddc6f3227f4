package dev.sluice.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A broker and a sink for the ordering matrix: one topic and one route per case
 * (mode x partitions x keys x route concurrency). The sink answers after a random 0-4 ms, so
 * requests that are allowed to overtake each other do, and answers 503 to the first attempt of
 * every 7th event, so retries happen inside lanes.
 */
public class OrderingTestResource implements QuarkusTestResourceLifecycleManager {
    public record Case(String mode, int partitions, int keys, int concurrency) {
        public String name() {
            return mode + "-p" + partitions + "-k" + keys + "-c" + concurrency;
        }

        public String topic() {
            return "ord." + name();
        }

        public String path() {
            return "/" + name();
        }

        @Override
        public String toString() {
            return name();
        }
    }

    private static TestEnvironment env;

    public static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (String mode : List.of("key", "partition", "none")) {
            for (int partitions : List.of(1, 4)) {
                for (int keys : List.of(1, 50)) {
                    for (int concurrency : List.of(1, 16)) {
                        cases.add(new Case(mode, partitions, keys, concurrency));
                    }
                }
            }
        }
        return cases;
    }

    public static TestSink sink() {
        return env.sink();
    }

    public static String bootstrap() {
        return env.bootstrap();
    }

    @Override
    public Map<String, String> start() {
        env = TestEnvironment.start(Map.of());
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.max-in-flight", "256");
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            for (Case c : cases()) {
                kafka.createTopic(c.topic(), c.partitions());
                Random latency = new Random(c.name().hashCode());
                env.sink().on(c.path(), (id, attempt) -> {
                    int seq = Integer.parseInt(id.substring(id.lastIndexOf('|') + 1));
                    if (seq % 7 == 3 && attempt == 1) {
                        return TestSink.Reply.status(503);
                    }
                    synchronized (latency) {
                        return TestSink.Reply.ok(latency.nextInt(5));
                    }
                });
                env.route(config, c.name(), c.topic(), c.path(), c.concurrency());
                config.put("sluice.routes." + c.name() + ".ordering", c.mode());
                config.put("sluice.routes." + c.name() + ".retry.initial-backoff", "10ms");
                config.put("sluice.routes." + c.name() + ".retry.jitter", "0");
            }
        }
        return config;
    }

    @Override
    public void stop() {
        if (env != null) {
            env.close();
        }
    }
}
