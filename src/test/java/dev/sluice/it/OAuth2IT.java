package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TokenEndpoint;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * OAuth2 client credentials through the packaged app and a real broker. The token endpoint here
 * issues tokens that live 3 s; the sink accepts only a token it issued that has not expired, and
 * counts every request that came with anything else. Records flow for about 9 s: every one is
 * delivered with a valid token and the endpoint is asked about once per lifetime, not once per
 * request. A second route's sink refuses (401) the first token it sees: one extra token request
 * and the record is delivered. A third route's token endpoint is down: its record is dead-lettered
 * after its retries with the oauth2 reason. The client secrets (one from a variable, one from a
 * file) and the tokens appear nowhere: admin API, status, metrics, log, dead-letter headers.
 */
class OAuth2IT {
    private static final String SECRET = "idp-secret-7c1e9a44b2";
    private static final String FILE_SECRET = "idp-file-secret-5d3f0b";
    private static final String ADMIN = "oauth2-admin-token";
    private static final Duration LIFETIME = Duration.ofSeconds(3);
    /** When the app refreshes a token: lifetime minus a fifth. */
    private static final Duration REFRESH_AFTER = Duration.ofMillis(2400);
    private static final Duration FLOW = Duration.ofSeconds(9);

    private static TestEnvironment env;
    private static SluiceProcess app;
    private static Vertx vertx;
    private static HttpServer sink;
    private static TokenEndpoint idp;
    private static TokenEndpoint revokingIdp;
    private static int downPort;
    private static final Set<String> delivered = ConcurrentHashMap.newKeySet();
    /** Requests to /in whose token was not one the IdP issued and still valid. */
    private static final List<String> badTokens = new CopyOnWriteArrayList<>();
    private static final AtomicInteger revokedRequests = new AtomicInteger();
    private static final Set<String> tokensSeen = ConcurrentHashMap.newKeySet();
    /** nanoTime of the first and the last delivery to /in. */
    private static final java.util.concurrent.atomic.AtomicLong firstDelivery = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong lastDelivery = new java.util.concurrent.atomic.AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        env = TestEnvironment.start(Map.of());
        idp = new TokenEndpoint("sluice", SECRET, LIFETIME);
        revokingIdp = new TokenEndpoint("sluice-files", FILE_SECRET, Duration.ofSeconds(60));
        try (ServerSocket free = new ServerSocket(0)) {
            downPort = free.getLocalPort(); // nothing listens there once closed
        }
        vertx = Vertx.vertx();
        sink = vertx.createHttpServer().requestHandler(OAuth2IT::handle);
        sink.listen(0, "localhost").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("oauth.in", 2);
            kafka.createTopic("oauth.revoked", 1);
            kafka.createTopic("oauth.down", 1);
            kafka.createTopic("oauth.dead", 1);
        }
        Path dir = Files.createDirectories(Path.of("target", "oauth2-it").toAbsolutePath());
        Files.writeString(dir.resolve("client-secret"), FILE_SECRET + "\n");
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", ADMIN);
        route(config, "flow", "oauth.in", "/in", idp.url("/token?tenant=acme"), "sluice");
        config.put("sluice.routes.flow.target.oauth2.client-secret.env", "IDP_SECRET");
        config.put("sluice.routes.flow.target.oauth2.scope", "orders:write");
        route(config, "revoked", "oauth.revoked", "/revoked", revokingIdp.url("/token"), "sluice-files");
        config.put("sluice.routes.revoked.target.oauth2.client-secret.file", dir.resolve("client-secret").toString());
        route(config, "down", "oauth.down", "/in", "http://localhost:" + downPort + "/token", "sluice");
        config.put("sluice.routes.down.target.oauth2.client-secret.env", "IDP_SECRET");
        app = SluiceProcess.start("oauth2", config, List.of("-Xmx256m"), Map.of("IDP_SECRET", SECRET))
                .awaitReady(Duration.ofSeconds(90));
    }

    private static void route(Map<String, String> config, String name, String topic, String path, String tokenUrl, String clientId) {
        String r = "sluice.routes." + name + ".";
        config.put(r + "topics", topic);
        config.put(r + "target.url", "http://localhost:" + sink.actualPort() + path);
        config.put(r + "target.oauth2.token-url", tokenUrl);
        config.put(r + "target.oauth2.client-id", clientId);
        config.put(r + "timeout", "2s");
        config.put(r + "retry.max-attempts", "3");
        config.put(r + "retry.initial-backoff", "50ms");
        config.put(r + "dead-letter-topic", "oauth.dead");
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        idp.close();
        revokingIdp.close();
        env.close();
    }

    private static void handle(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            String id = body.toString(StandardCharsets.UTF_8);
            String authorization = req.getHeader("Authorization");
            String token = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
            tokensSeen.add(token);
            int status;
            if (req.path().equals("/revoked")) {
                revokedRequests.incrementAndGet();
                // a target that revoked the first token its IdP issued
                status = revokingIdp.valid(token) && !token.equals(revokingIdp.issued().get(0)) ? 200 : 401;
            } else if (idp.valid(token)) {
                status = 200;
                long now = System.nanoTime();
                firstDelivery.compareAndSet(0, now);
                lastDelivery.set(now);
            } else {
                badTokens.add(id);
                status = 401;
            }
            if (status == 200) {
                delivered.add(id);
            }
            req.response().setStatusCode(status).end();
        });
    }

    @Test
    void recordsFlowWithValidTokensFetchedAboutOncePerLifetimeAndNoSecretIsShown() throws Exception {
        List<String> ids = new ArrayList<>();
        long started = System.nanoTime();
        List<ConsumerRecord<byte[], byte[]>> dead;
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            // about ten records a second for FLOW: the pace, not a sleep, sets the duration
            await().atMost(FLOW.plusSeconds(20)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100)).until(() -> {
                String id = "flow-" + ids.size();
                ids.add(id);
                kafka.send("oauth.in", id, id, Map.of());
                return System.nanoTime() - started >= FLOW.toNanos();
            });
            kafka.send("oauth.revoked", "revoked-1", "revoked-1", Map.of());
            kafka.send("oauth.down", "down-1", "down-1", Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> delivered.containsAll(ids) && delivered.contains("revoked-1"));
            dead = kafka.read("oauth.dead", 1, Duration.ofSeconds(60));
        }
        // the span of deliveries, not of producing: the consumer starts a moment after the first record
        Duration flowed = Duration.ofNanos(lastDelivery.get() - firstDelivery.get());

        System.out.printf("OAuth2IT: %d records delivered over %d ms, %d token requests (bounds %d..%d), %d distinct tokens"
                + " at the sink (all routes)%n", ids.size(), flowed.toMillis(), idp.requests().size(),
                flowed.toMillis() / LIFETIME.toMillis(), flowed.toMillis() / REFRESH_AFTER.toMillis() + 2, tokensSeen.size());
        // every delivery carried a token the IdP issued, still valid when it arrived
        assertEquals(List.of(), badTokens, "requests with an expired or unknown token");
        int fetches = idp.requests().size();
        long bound = flowed.toMillis() / REFRESH_AFTER.toMillis() + 2;
        assertTrue(fetches <= bound, fetches + " token requests for " + ids.size() + " records over " + flowed + " (at most " + bound + ")");
        assertTrue(flowed.compareTo(FLOW.dividedBy(2)) > 0, "deliveries spread over " + flowed + ", more than a token lives");
        assertTrue(fetches >= flowed.toMillis() / LIFETIME.toMillis(), "tokens were refreshed as they aged: " + fetches);
        assertTrue(idp.requests().stream().allMatch(r -> r.body().equals("grant_type=client_credentials&scope=orders%3Awrite")));

        assertEquals(2, revokingIdp.requests().size(), "a 401: exactly one extra token request");
        assertEquals(2, revokedRequests.get(), "and one resend, which was delivered");

        assertEquals(1, dead.size());
        String reason = Kafka.header(dead.get(0), "dead-letter-reason");
        assertTrue(reason.startsWith("oauth2 token endpoint http://localhost:" + downPort + "/token: connection refused"), reason);
        assertEquals("3", Kafka.header(dead.get(0), "dead-letter-attempts"));

        StringBuilder deadHeaders = new StringBuilder();
        dead.get(0).headers().forEach(h -> deadHeaders.append(h.key()).append('=')
                .append(new String(h.value(), StandardCharsets.UTF_8)).append('\n'));
        String config = app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body();
        Map<String, String> shown = Map.of("GET /admin/config", config, "GET /admin/status", app.getBody("/admin/status"),
                "/q/metrics", app.getBody("/q/metrics"), "log", app.logText(), "dead-letter headers", deadHeaders.toString());
        List<String> values = new ArrayList<>(List.of(SECRET, FILE_SECRET));
        values.addAll(idp.issued());
        values.addAll(revokingIdp.issued());
        shown.forEach((where, text) -> values.forEach(v -> assertFalse(text.contains(v), "a secret or token in " + where)));
        assertTrue(config.contains("\"client-secret\":{\"env\":\"IDP_SECRET\"}"), config);
        assertTrue(config.contains("\"token-url\":\"" + idp.url("/token?tenant=***") + "\""), config);
    }

    @Test
    void aMalformedOAuth2IsRefusedNamingTheFieldAndTheConfigStays() throws Exception {
        String before = app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body();
        String route = "{\"name\":\"flow\",\"topics\":[\"oauth.in\"],\"dead-letter-topic\":\"oauth.dead\","
                + "\"target\":{\"url\":\"http://localhost:" + sink.actualPort() + "/in\","
                + "\"oauth2\":{\"token-url\":\"idp/token\",\"client-id\":\"sluice\",\"client-secret\":{\"env\":\"NOT_IN_THIS_POD\"}}}}";

        HttpResponse<String> put = app.put("/admin/config", "{\"routes\":[" + route + "]}", ADMIN);

        assertEquals(400, put.statusCode(), put.body());
        assertTrue(put.body().contains("{\"field\":\"routes[0].target.oauth2.token-url\",\"message\":\"not an absolute http(s) URL\"}"),
                put.body());
        assertEquals(before, app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body());
    }
}
