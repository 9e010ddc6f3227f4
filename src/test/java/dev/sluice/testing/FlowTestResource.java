package dev.sluice.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A broker and a sink for the flow-control tests (adaptive concurrency, rate limits). Routes
 * (topic -> sink path), every one with ordering none so that only the limits under test bind:
 * <ul>
 * <li>adaptive: it.adaptive -> /capacity (a server of {@value #CAPACITY} x {@value #SERVICE_MS} ms
 * that queues the rest), concurrency adaptive within 1..128</li>
 * <li>fixed40: it.fixed40 -> /capacity-fixed (the same kind of server), a fixed limit of {@value #CAPACITY}</li>
 * <li>rated: it.rated -> /rated (200 at once; 503 to the first attempt of ids starting "retry-"),
 * rate limit {@value #RATE}/s burst {@value #BURST}, retries after 10 ms</li>
 * <li>paced: it.paced -> /paced (200 at once), no rate limit until a test sets one live</li>
 * </ul>
 * The admin token is {@value #TOKEN}.
 *
 * Used with {@link QuarkusTestResource#restrictToAnnotatedClass()}: each test class gets an app of its own.
 */
public class FlowTestResource implements QuarkusTestResourceLifecycleManager {
    public static final int CAPACITY = 40;
    // 50 ms: 800/s at capacity, below what two shared cores drive (about 1,100/s fixed at 40 on a
    // slow day); at 20 ms (2,000/s) the machine, not the server, was the bottleneck and the limit
    // rightly backed off from CPU queueing to 17-28, on the commit that had passed before too
    public static final long SERVICE_MS = 50;
    public static final int RATE = 50;
    public static final int BURST = 10;
    public static final String TOKEN = "flow-token";
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
                .capacity("/capacity", CAPACITY, SERVICE_MS)
                .capacity("/capacity-fixed", CAPACITY, SERVICE_MS)
                .on("/rated", (id, attempt) -> id.startsWith("retry-") && attempt == 1
                        ? TestSink.Reply.status(503)
                        : TestSink.Reply.ok())
                .on("/paced", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("it.adaptive", 4);
            kafka.createTopic("it.fixed40", 4);
            kafka.createTopic("it.rated", 4);
            kafka.createTopic("it.paced", 4);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.max-in-flight", "256");
        config.put("sluice.admin.token", TOKEN);
        env.route(config, "adaptive", "it.adaptive", "/capacity", 128);
        config.put("sluice.routes.adaptive.concurrency", "adaptive");
        env.route(config, "fixed40", "it.fixed40", "/capacity-fixed", CAPACITY);
        env.route(config, "rated", "it.rated", "/rated", 64);
        config.put("sluice.routes.rated.rate-limit.per-second", String.valueOf(RATE));
        config.put("sluice.routes.rated.rate-limit.burst", String.valueOf(BURST));
        config.put("sluice.routes.rated.retry.initial-backoff", "10ms");
        env.route(config, "paced", "it.paced", "/paced", 64);
        for (String route : new String[] { "adaptive", "fixed40", "rated", "paced" }) {
            config.put("sluice.routes." + route + ".ordering", "none");
            config.put("sluice.routes." + route + ".timeout", "5s");
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
