package dev.sluice.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestSink;
import dev.sluice.testing.TokenEndpoint;

/**
 * What credentials cost per delivery: one packaged app, three routes to the same sink (200 after
 * L ms), C in flight each. "plain" sends the record as it is; "secured" adds an
 * {@code Authorization: Bearer} header from an environment variable and signs every request with
 * two Standard Webhooks secrets (rotation: two HMAC-SHA256 signatures); "oauth2" signs the same
 * way and takes its bearer token from an OAuth2 token endpoint in this JVM (client credentials,
 * 60 s tokens). Backlogs of N go to each route in turn (plain, secured, oauth2), a first round
 * to warm the JIT up (shown, not compared), then -Dbench.rounds (2) more; each phase reports its
 * rate (first to last delivery) and the app's CPU per 1k deliveries, and the report gives each
 * route against the plain phase of its round. Run with
 * {@code ./mvnw -B -Pbench verify -Dit.test=CredentialsBench -Dbench.pc.skip=true -Dbench.baseline.skip=true};
 * -Dbench.events, -Dbench.concurrency, -Dbench.latencyMs override.
 */
class CredentialsBench {
    private static final long L_MS = Long.getLong("bench.latencyMs", 20);
    private static final int C = Integer.getInteger("bench.concurrency", 64);
    private static final int N = Integer.getInteger("bench.events", 20_000);
    private static final String TOKEN = "bench-" + UUID.randomUUID();
    private static final String CLIENT_SECRET = "client-" + UUID.randomUUID();

    private static final List<String> ROUTES = List.of("plain", "secured", "oauth2");
    /** Rounds compared after the first, which warms the JIT up and is shown but not compared. */
    private static final int MEASURED_ROUNDS = Integer.getInteger("bench.rounds", 2);

    private static EmbeddedKafkaBroker broker;
    private static TestSink sink;
    private static Kafka kafka;
    private static TokenEndpoint tokens;

    /** One backlog through one route: its rate at the sink and the app's CPU per 1k deliveries. */
    private record Phase(String route, double perSecond, double cpuMsPer1k) {
    }

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start(Path.of("target", "bench-kafka-" + UUID.randomUUID()));
        sink = new TestSink();
        kafka = new Kafka(broker.bootstrapServers());
        for (String r : ROUTES) {
            sink.on("/" + r, (id, attempt) -> TestSink.Reply.ok(L_MS));
            kafka.createTopic("bench." + r, 4);
        }
        tokens = new TokenEndpoint("bench", CLIENT_SECRET, Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        kafka.close();
        tokens.close();
        sink.close();
        broker.close();
    }

    private static String whsec() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    @Test
    void aSignedAuthenticatedDeliveryCostsLittleMoreThanAPlainOne() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("sluice.max-in-flight", String.valueOf(2 * C));
        for (String r : ROUTES) {
            config.put("sluice.routes." + r + ".topics", "bench." + r);
            config.put("sluice.routes." + r + ".target.url", sink.url("/" + r));
            config.put("sluice.routes." + r + ".max-in-flight", String.valueOf(C));
            config.put("sluice.routes." + r + ".ordering", "none");
        }
        config.put("sluice.routes.secured.target.headers.Authorization.env", "BENCH_TOKEN");
        config.put("sluice.routes.secured.target.headers.Authorization.prefix", "Bearer ");
        config.put("sluice.routes.secured.target.signing-secrets[0].env", "BENCH_WHSEC_NEW");
        config.put("sluice.routes.secured.target.signing-secrets[1].env", "BENCH_WHSEC_OLD");
        config.put("sluice.routes.oauth2.target.oauth2.token-url", tokens.url("/token"));
        config.put("sluice.routes.oauth2.target.oauth2.client-id", "bench");
        config.put("sluice.routes.oauth2.target.oauth2.client-secret.env", "BENCH_CLIENT_SECRET");
        config.put("sluice.routes.oauth2.target.signing-secrets[0].env", "BENCH_WHSEC_NEW");
        config.put("sluice.routes.oauth2.target.signing-secrets[1].env", "BENCH_WHSEC_OLD");
        Map<String, String> env = Map.of("BENCH_TOKEN", TOKEN, "BENCH_WHSEC_NEW", whsec(), "BENCH_WHSEC_OLD", whsec(),
                "BENCH_CLIENT_SECRET", CLIENT_SECRET);

        List<Phase> phases = new ArrayList<>();
        try (SluiceProcess app = SluiceProcess.start("credentials-bench", config, List.of("-Xmx512m"), env)) {
            app.awaitReady(Duration.ofSeconds(90));
            int round = 0;
            for (int pass = 0; pass < 1 + MEASURED_ROUNDS; pass++) {
                for (String route : ROUTES) {
                    phases.add(phase(app, route, round++));
                }
            }
        }
        String report = report(phases);
        System.out.println(report);
        try {
            Files.writeString(Path.of("target", "credentials-bench.txt"), report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String auth = sink.stats("/secured").headersOf("secured-4-0").get("Authorization");
        assertTrue(("Bearer " + TOKEN).equals(auth), "the secured route sent its credentials");
        assertTrue(sink.stats("/secured").headersOf("secured-4-0").get("webhook-signature").split(" ").length == 2,
                "and two signatures");
        assertTrue(tokens.valid(sink.stats("/oauth2").headersOf("oauth2-5-0").get("Authorization").substring("Bearer ".length())),
                "the oauth2 route sent a token the endpoint issued");
        assertTrue(tokens.requests().size() <= 4, "tokens are reused, not fetched per request: " + tokens.requests().size());
    }

    private static Phase phase(SluiceProcess app, String route, int round) {
        List<String> ids = IntStream.range(0, N).mapToObj(i -> route + "-" + round + "-" + i).toList();
        TestSink.PathStats stats = sink.stats("/" + route);
        int before = stats.acceptedCount();
        kafka.sendAll("bench." + route, ids);
        long ticks = ColdStartRun.ticks(app.pid());
        await().atMost(Duration.ofSeconds(120).plusMillis(10L * N * L_MS / C)).pollInterval(Duration.ofMillis(100))
                .until(() -> stats.acceptedCount() - before >= N && sink.missing("/" + route, ids).isEmpty());
        long used = ColdStartRun.ticks(app.pid()) - ticks;
        String prefix = route + "-" + round + "-";
        long[] times = stats.arrivals().stream().filter(a -> a.id().startsWith(prefix))
                .mapToLong(TestSink.Arrival::nanoTime).sorted().toArray();
        double perSecond = (times.length - 1) * 1e9 / (times[times.length - 1] - times[0]);
        return new Phase(route, perSecond, ColdStartRun.cpuMsPer1k(used, N));
    }

    private static String report(List<Phase> phases) {
        StringBuilder out = new StringBuilder(String.format(
                "CredentialsBench: %,d events per phase, C=%d, L=%d ms (bound %,.0f/s), one app, in this order:%n", N, C, L_MS,
                C * 1000.0 / L_MS));
        for (Phase p : phases) {
            out.append(String.format("  %-8s %,8.0f/s  %6.1f ms CPU per 1k deliveries%n", p.route(), p.perSecond(), p.cpuMsPer1k()));
        }
        for (int i = ROUTES.size(); i + ROUTES.size() <= phases.size(); i += ROUTES.size()) {
            Phase plain = phases.get(i);
            for (int j = 1; j < ROUTES.size(); j++) {
                Phase other = phases.get(i + j);
                out.append(String.format("  round %d: %s / plain rate %.3f, CPU per delivery %.3f%n", i / ROUTES.size(),
                        other.route(), other.perSecond() / plain.perSecond(), other.cpuMsPer1k() / plain.cpuMsPer1k()));
            }
        }
        out.append("  round 0 warms the JIT up; rounds 1.. are compared\n");
        out.append("  secured = Authorization: Bearer from an env var + webhook-id/timestamp + two v1 HMAC-SHA256 signatures\n");
        out.append(String.format("  oauth2 = the same signatures + a client-credentials token (60 s lifetime; %d token requests in all)%n",
                tokens.requests().size()));
        out.append("  reproduce: ./mvnw -B -Pbench verify -Dit.test=CredentialsBench -Dbench.pc.skip=true -Dbench.baseline.skip=true\n");
        return out.toString();
    }
}
