package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;
import io.vertx.core.MultiMap;

/**
 * The admin port and the source topics are reachable by anyone: the packaged app, as a process
 * against a real broker and a real HTTP sink, must not let one request exhaust its heap, must
 * not show the credentials in its target URLs, and must not forward the credentials a record
 * carries. The admin token is configured with a trailing newline, as a token read from a
 * Kubernetes Secret file often is.
 */
class AdminHardeningIT {
    private static final String TOKEN = "hardening-token";
    private static final String READ_TOKEN = "read-only-token";
    private static final String PASSWORD = "s3cr3t-pass";
    private static final String API_KEY = "k3y-s3cr3t-value";
    private static TestEnvironment env;
    private static SluiceProcess app;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/refuse", (id, attempt) -> TestSink.Reply.status(400));
        env.sink().on("/headers", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("hard.secret", 1);
            kafka.createTopic("hard.headers", 1);
            kafka.createTopic("hard.dead", 1);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN + "\n");
        config.put("sluice.admin.read-token", READ_TOKEN);
        env.route(config, "secret", "hard.secret", "/refuse", 4);
        config.put("sluice.routes.secret.target.url", env.sink().url("/refuse").replace("http://",
                "http://svc:" + PASSWORD + "@") + "?api_key=" + API_KEY);
        config.put("sluice.routes.secret.retry.max-attempts", "1");
        config.put("sluice.routes.secret.dead-letter-topic", "hard.dead");
        env.route(config, "headers", "hard.headers", "/headers", 4);
        config.put("sluice.routes.headers.forward-headers", "x-tenant-");
        app = SluiceProcess.start("admin-hardening", config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        env.close();
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json");
    }

    private static HttpResponse<String> validate(String token, byte[] body) {
        return app.request("POST", "/admin/config/validate", token == null ? Map.of() : bearer(token), body);
    }

    @Test
    void aHugeBodyIsRefusedUnreadAndTheHeapDoesNotGrow() {
        // before: 500 after 5 s, OutOfMemoryError in the log, RSS from 176 to 676 MiB
        byte[] tenMiB = ("{\"routes\":[" + String.join(",", Collections.nCopies(3_500_000, "{}")) + "]}")
                .getBytes(StandardCharsets.UTF_8);
        long rssBefore = app.rssMiB();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = validate(TOKEN, tenMiB);
            // the server may close the connection once it has answered 413 to the head
            assertTrue(r == null || r.statusCode() == 413, r == null ? "closed" : r.statusCode() + " " + r.body());
        }
        HttpResponse<String> put = app.request("PUT", "/admin/config", bearer(TOKEN), tenMiB);
        assertTrue(put == null || put.statusCode() == 413, put == null ? "closed" : put.statusCode() + " " + put.body());
        long rssAfter = app.rssMiB();
        assertFalse(app.logText().contains("OutOfMemoryError"));
        assertTrue(rssAfter - rssBefore < 64, "RSS grew from " + rssBefore + " to " + rssAfter + " MiB");
        assertEquals(200, app.get("/q/health/live"));
        System.out.printf("aHugeBodyIsRefusedUnreadAndTheHeapDoesNotGrow: 10 MiB bodies refused, RSS %d -> %d MiB%n",
                rssBefore, rssAfter);
    }

    @Test
    void aBodyUnderTheLimitWithThousandsOfRoutesIsRefusedInOneProblem() {
        byte[] body = ("{\"routes\":[" + String.join(",", Collections.nCopies(80_000, "{}")) + "]}")
                .getBytes(StandardCharsets.UTF_8);
        assertTrue(body.length < 256 * 1024);

        HttpResponse<String> r = validate(TOKEN, body);

        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("at most 500 routes, was 80000"), r.body());
        assertTrue(r.body().length() < 2000, "one problem, not 80,000: " + r.body().length() + " characters");
    }

    @Test
    void validateAndGetConfigNeedATokenAndTheConfiguredOneIsTrimmed() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertEquals(401, validate(null, body).statusCode());
        assertEquals(403, validate("wrong", body).statusCode());
        assertEquals(400, validate(TOKEN, body).statusCode(), "the admin token, configured with a trailing newline");
        assertEquals(400, validate(READ_TOKEN, body).statusCode(), "the read token grants validate");

        assertEquals(401, app.get("/admin/config"));
        assertEquals(200, app.request("GET", "/admin/config", bearer(READ_TOKEN), null).statusCode());
        assertEquals(403, app.request("PUT", "/admin/config", bearer(READ_TOKEN), body).statusCode(),
                "the read token changes nothing");
        assertEquals(200, app.get("/admin/status"), "status stays open, as health and metrics are");
    }

    @Test
    void aStaleIfMatchIsAPreconditionFailure() {
        // before: 409; RFC 9110 says a failed If-Match is 412 Precondition Failed
        Map<String, String> headers = new HashMap<>(bearer(TOKEN));
        headers.put("If-Match", "\"999\"");
        String valid = "{\"routes\":[{\"name\":\"headers\",\"topics\":[\"hard.headers\"],\"target\":{\"url\":\""
                + env.sink().url("/headers") + "\"},\"forward-headers\":[\"x-tenant-\"]}]}";

        HttpResponse<String> stale = app.request("PUT", "/admin/config", headers, valid.getBytes(StandardCharsets.UTF_8));

        assertEquals(412, stale.statusCode(), stale.body());
    }

    @Test
    void credentialsInTargetUrlsAreShownNowhere() {
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.send("hard.secret", "k", "refused-1", Map.of());
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.read("hard.dead", 1, Duration.ofSeconds(60));
            StringBuilder headers = new StringBuilder();
            dead.get(0).headers().forEach(h -> headers.append(h.key()).append('=')
                    .append(new String(h.value(), StandardCharsets.UTF_8)).append('\n'));
            String config = app.request("GET", "/admin/config", bearer(TOKEN), null).body();
            Map<String, String> shown = Map.of("GET /admin/config", config, "GET /admin/status",
                    app.getBody("/admin/status"), "/q/metrics", app.getBody("/q/metrics"), "log", app.logText(),
                    "dead-letter headers", headers.toString());
            shown.forEach((where, text) -> {
                assertFalse(text.contains(PASSWORD), "password shown in " + where);
                assertFalse(text.contains(API_KEY), "API key shown in " + where);
            });
            assertTrue(config.contains("http://***@localhost:" + env.sink().port() + "/refuse?api_key=***"), config);
            assertTrue(app.logText().contains("/refuse?api_key=***"), "the startup log shows the redacted URL");
            assertEquals("400", Kafka.header(dead.get(0), "dead-letter-http-status"));
            // the userinfo is what the target gets as Basic authentication, and only the target
            assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString(("svc:" + PASSWORD).getBytes(StandardCharsets.UTF_8)),
                    env.sink().stats("/refuse").headersOf("refused-1").get("Authorization"));
        }
    }

    @Test
    void credentialHeadersOfARecordNeverReachTheTarget() {
        // before: Authorization, Cookie and X-Forwarded-For all arrived at the target
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.send("hard.headers", "k", "with-headers", Map.of("Authorization", "Bearer stolen", "Cookie", "session=1",
                    "X-Forwarded-For", "10.0.0.1", "Proxy-Authorization", "Basic eDp5", "X-Tenant-Id", "acme",
                    "X-Other", "not-listed"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> env.sink().stats("/headers").accepted().contains("with-headers"));

        MultiMap seen = env.sink().stats("/headers").headersOf("with-headers");
        assertNotNull(seen);
        assertNull(seen.get("Authorization"), "record's Authorization forwarded: " + seen);
        assertNull(seen.get("Cookie"));
        assertNull(seen.get("X-Forwarded-For"));
        assertNull(seen.get("Proxy-Authorization"));
        assertNull(seen.get("X-Other"), "not named by the route's forward-headers");
        assertEquals("acme", seen.get("X-Tenant-Id"), "named by forward-headers: x-tenant-");
        assertEquals("hard.headers-0-0", seen.get("Idempotency-Key"));
    }
}
