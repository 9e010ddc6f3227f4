package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Per-route credentials through the packaged app, its environment set as a Kubernetes pod's would
 * be: a static header from an environment variable, one from a file (a mounted Secret), requests
 * signed with two Standard Webhooks secrets (one from each). The sink here checks every signature
 * with its own HMAC (javax.crypto directly, not Sluice's signer), answers 503 to a record's first
 * attempt to see its retry carry the same webhook-id, and 400 to another to get a dead letter.
 * None of the secret values may appear in the admin API, status, metrics, the log or dead letters.
 */
class CredentialsIT {
    private static final String TOKEN = "tok-9f8e7d6c5b4a";
    private static final String API_KEY = "key-0a1b2c3d4e5f";
    private static final String NEW_SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("new-signing-key-32-bytes-long!!!".getBytes(StandardCharsets.US_ASCII));
    private static final String OLD_SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("old-signing-key-32-bytes-long!!!".getBytes(StandardCharsets.US_ASCII));
    private static final String ADMIN = "creds-admin-token";

    /** One request as the sink saw it. */
    record Seen(String id, Map<String, String> headers, boolean newValid, boolean oldValid) {
    }

    private static TestEnvironment env;
    private static SluiceProcess app;
    private static Vertx vertx;
    private static HttpServer sink;
    private static final List<Seen> seen = new CopyOnWriteArrayList<>();
    private static final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private static Path secrets;

    @BeforeAll
    static void start() throws Exception {
        env = TestEnvironment.start(Map.of());
        vertx = Vertx.vertx();
        sink = vertx.createHttpServer().requestHandler(CredentialsIT::handle);
        sink.listen(0, "localhost").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("creds.in", 2);
            kafka.createTopic("creds.dead", 1);
        }
        // as a Kubernetes Secret volume holds them: one file per key, a trailing newline
        secrets = Files.createDirectories(Path.of("target", "credentials-it").toAbsolutePath());
        Files.writeString(secrets.resolve("api-key"), API_KEY + "\n");
        Files.writeString(secrets.resolve("old-signing-secret"), OLD_SECRET + "\n");
        app = SluiceProcess.start("credentials", config("TARGET_TOKEN"), List.of("-Xmx256m"),
                Map.of("TARGET_TOKEN", TOKEN, "WEBHOOK_SECRET", NEW_SECRET)).awaitReady(Duration.ofSeconds(90));
    }

    private static Map<String, String> config(String tokenVariable) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", ADMIN);
        String r = "sluice.routes.signed.";
        config.put(r + "topics", "creds.in");
        config.put(r + "target.url", "http://localhost:" + sink.actualPort() + "/in");
        config.put(r + "target.headers.Authorization.env", tokenVariable);
        config.put(r + "target.headers.Authorization.prefix", "Bearer ");
        config.put(r + "target.headers.X-Api-Key.file", secrets.resolve("api-key").toString());
        config.put(r + "target.signing-secrets[0].env", "WEBHOOK_SECRET");
        config.put(r + "target.signing-secrets[1].file", secrets.resolve("old-signing-secret").toString());
        config.put(r + "forward-headers", "x-");
        config.put(r + "retry.initial-backoff", "20ms");
        config.put(r + "retry.max-attempts", "3");
        config.put(r + "dead-letter-topic", "creds.dead");
        return config;
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        env.close();
    }

    private static void handle(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            byte[] bytes = body.getBytes();
            String id = new String(bytes, StandardCharsets.UTF_8);
            Map<String, String> headers = new HashMap<>();
            req.headers().forEach(e -> headers.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + "\n" + b));
            seen.add(new Seen(id, headers, verifies(NEW_SECRET, headers, bytes), verifies(OLD_SECRET, headers, bytes)));
            int attempt = attempts.merge(id, 1, Integer::sum);
            int status = id.startsWith("refuse") ? 400 : id.startsWith("retry") && attempt == 1 ? 503 : 200;
            req.response().setStatusCode(status).end();
        });
    }

    /**
     * The receiver's side of Standard Webhooks, written from the specification: HMAC-SHA256 with
     * the base64-decoded secret over "webhook-id.webhook-timestamp.body", and one of the
     * space-separated "v1,<base64>" signatures must match; the timestamp within five minutes.
     */
    private static boolean verifies(String whsec, Map<String, String> headers, byte[] body) {
        try {
            String id = headers.get("webhook-id");
            String timestamp = headers.get("webhook-timestamp");
            String signatures = headers.get("webhook-signature");
            if (id == null || timestamp == null || signatures == null
                    || Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp)) > 300) {
                return false;
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(whsec.substring("whsec_".length())), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
            for (String s : signatures.split(" ")) {
                if (java.security.MessageDigest.isEqual(s.getBytes(StandardCharsets.US_ASCII),
                        expected.getBytes(StandardCharsets.US_ASCII))) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static List<Seen> of(String id) {
        return seen.stream().filter(s -> s.id().equals(id)).toList();
    }

    @Test
    void signedRequestsWithSecretHeadersAreDeliveredAndNoSecretIsShownAnywhere() throws Exception {
        List<String> ids = List.of("ok-1", "ok-2", "ok-3", "retry-1");
        List<ConsumerRecord<byte[], byte[]>> dead;
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            for (String id : ids) {
                kafka.send("creds.in", id, id, Map.of());
            }
            // a record bringing credentials of its own, on a route that forwards x-* headers
            kafka.send("creds.in", "forged-1", "forged-1", Map.of("X-Api-Key", "forged-by-record",
                    "Authorization", "Bearer forged-by-record", "X-Tenant", "acme", "webhook-signature", "v1,forged"));
            kafka.send("creds.in", "refuse-1", "refuse-1", Map.of());
            dead = kafka.read("creds.dead", 1, Duration.ofSeconds(60));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> attempts.keySet().containsAll(List.of("ok-1", "ok-2", "ok-3",
                "forged-1")) && attempts.getOrDefault("retry-1", 0) >= 2);

        for (Seen s : seen) {
            assertTrue(s.newValid(), "signed with the new secret: " + s);
            assertTrue(s.oldValid(), "and with the old one, while it is rotated out: " + s);
            assertEquals(2, s.headers().get("webhook-signature").split(" ").length, s.toString());
            assertEquals("Bearer " + TOKEN, s.headers().get("authorization"), s.toString());
            assertEquals(API_KEY, s.headers().get("x-api-key"), "the file's value, its newline dropped: " + s);
            assertEquals(s.headers().get("idempotency-key"), s.headers().get("webhook-id"));
        }
        Seen forged = of("forged-1").get(0);
        assertEquals("acme", forged.headers().get("x-tenant"), "other x- headers are forwarded");
        List<Seen> retried = of("retry-1");
        assertEquals(2, retried.size());
        assertEquals(retried.get(0).headers().get("webhook-id"), retried.get(1).headers().get("webhook-id"),
                "a retry carries the same webhook-id");

        StringBuilder deadHeaders = new StringBuilder();
        dead.get(0).headers().forEach(h -> deadHeaders.append(h.key()).append('=')
                .append(new String(h.value(), StandardCharsets.UTF_8)).append('\n'));
        assertEquals("400", Kafka.header(dead.get(0), "dead-letter-http-status"));
        String config = app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body();
        Map<String, String> shown = Map.of("GET /admin/config", config, "GET /admin/status", app.getBody("/admin/status"),
                "/q/metrics", app.getBody("/q/metrics"), "log", app.logText(), "dead-letter headers", deadHeaders.toString());
        List<String> values = List.of(TOKEN, API_KEY, NEW_SECRET, OLD_SECRET, NEW_SECRET.substring(6), OLD_SECRET.substring(6));
        shown.forEach((where, text) -> values.forEach(v -> assertFalse(text.contains(v), "a secret value in " + where)));
        assertTrue(config.contains("\"env\":\"TARGET_TOKEN\""), config);
        assertTrue(config.contains("\"file\":\"" + secrets.resolve("api-key") + "\""), config);
    }

    @Test
    void aPutNamingASecretThatCannotBeReadIsRefusedAndTheConfigStays() throws Exception {
        String before = app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body();
        String route = "{\"name\":\"signed\",\"topics\":[\"creds.in\"],\"dead-letter-topic\":\"creds.dead\","
                + "\"target\":{\"url\":\"http://localhost:" + sink.actualPort() + "/in\","
                + "\"headers\":{\"Authorization\":{\"env\":\"NOT_IN_THIS_POD\",\"prefix\":\"Bearer \"},"
                + "\"X-Api-Key\":{\"file\":\"" + secrets.resolve("no-such-key") + "\"}}}}";

        HttpResponse<String> put = app.put("/admin/config", "{\"routes\":[" + route + "]}", ADMIN);

        assertEquals(400, put.statusCode(), put.body());
        assertTrue(put.body().contains("{\"field\":\"routes[0].target.headers.Authorization.env\","
                + "\"message\":\"environment variable NOT_IN_THIS_POD is not set\"}"), put.body());
        assertTrue(put.body().contains("{\"field\":\"routes[0].target.headers.X-Api-Key.file\",\"message\":\"file "
                + secrets.resolve("no-such-key") + " does not exist\"}"), put.body());
        assertEquals(before, app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body());
    }

    @Test
    void aMissingVariableStopsTheStartNamingTheProperty() {
        try (SluiceProcess refused = SluiceProcess.start("credentials-refused", config("TOKEN_NOT_SET"), List.of("-Xmx256m"),
                Map.of("WEBHOOK_SECRET", NEW_SECRET))) {
            assertNotEquals(0, refused.waitFor(Duration.ofSeconds(60)));
            assertTrue(refused.logText().contains("sluice.routes.signed.target.headers.Authorization.env: environment "
                    + "variable TOKEN_NOT_SET is not set"), refused.logText());
        }
    }

}
