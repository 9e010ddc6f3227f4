package dev.sluice.testing;

import java.util.HashMap;
import java.util.Map;

import dev.sluice.config.Channels;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A broker that refuses to create topics on demand, and one route whose dead-letter topic does
 * not exist (and that Sluice is told not to create): every dead-letter write fails until the test
 * creates the topic. Route "nodlq": it.nodlq -> /reject (400 for ids starting with "bad"), dead
 * letters to the missing topic "missing.dlq".
 */
public class BrokenDeadLetterResource implements QuarkusTestResourceLifecycleManager {
    private static TestEnvironment env;

    public static TestSink sink() {
        return env.sink();
    }

    public static String bootstrap() {
        return env.bootstrap();
    }

    @Override
    public Map<String, String> start() {
        env = TestEnvironment.start(Map.of("auto.create.topics.enable", "false"));
        env.sink().on("/reject", (id, attempt) -> id.startsWith("bad") ? TestSink.Reply.status(400) : TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("it.nodlq", 1);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "nodlq", "it.nodlq", "/reject", 64);
        config.put("sluice.routes.nodlq.dead-letter-topic", "missing.dlq");
        config.put("sluice.dead-letter.create-topics", "false");
        config.put("sluice.dead-letter.retry-initial-backoff", "200ms");
        config.put("sluice.dead-letter.retry-max-backoff", "1s");
        // the connector retries a failed write until delivery.timeout.ms (30 s by default): shorten it
        config.put(Channels.DEAD_LETTER_PROPERTIES + "max.block.ms", "1000");
        config.put(Channels.DEAD_LETTER_PROPERTIES + "request.timeout.ms", "1000");
        config.put(Channels.DEAD_LETTER_PROPERTIES + "delivery.timeout.ms", "3000");
        return config;
    }

    @Override
    public void stop() {
        if (env != null) {
            env.close();
        }
    }
}
