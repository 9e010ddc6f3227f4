package dev.sluice.deliver.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Concurrency;
import dev.sluice.config.Credentials;
import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RateLimit;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.config.SecretHeader;
import dev.sluice.config.SecretRef;
import dev.sluice.config.SecretSource;
import dev.sluice.config.Secrets;
import dev.sluice.deliver.DeliveryTracing;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.pipeline.Event;
import dev.sluice.testing.TestSink;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.MultiMap;
import io.vertx.mutiny.core.Vertx;

/**
 * A route's credentials on the wire, against a real local server: headers from secrets (a record's
 * headers of the same names and its Standard Webhooks headers never forwarded), signatures checked
 * here with javax.crypto directly, not with Sluice's signer.
 */
class SignedRequestTest {
    private static final String KEY_A = "whsec_" + Base64.getEncoder().encodeToString("a-32-byte-signing-key-for-tests!".getBytes(StandardCharsets.US_ASCII));
    private static final String KEY_B = "whsec_" + Base64.getEncoder().encodeToString(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
            11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24 });
    private static final long NOW = 1_760_000_000L;

    private static final Map<String, String> env = new HashMap<>();
    private static Vertx vertx;
    private static HttpTarget target;
    private static TestSink sink;

    @BeforeAll
    static void start() {
        env.put("TOKEN", "t0k3n-value");
        env.put("KEY_A", KEY_A);
        env.put("KEY_B", KEY_B);
        vertx = Vertx.vertx();
        Secrets secrets = new Secrets(new SecretSource(env::get), task -> Infrastructure.getDefaultWorkerPool().execute(task),
                System::nanoTime, Duration.ofSeconds(30));
        target = new HttpTarget(vertx, new DeliveryTracing(OpenTelemetry.noop(), true), secrets,
                Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
        sink = new TestSink();
        sink.on("/in", (id, attempt) -> TestSink.Reply.ok());
    }

    @AfterAll
    static void stop() {
        target.close();
        sink.close();
        vertx.closeAndAwait();
    }

    private static Route route(Credentials credentials, List<String> forward) {
        return new Route("r", List.of("t"), URI.create(sink.url("/in")), 4, Duration.ofSeconds(5),
                new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(100), 0), "r.dlq", Expects.ANY,
                Route.DEFAULT_MAX_VALUE_BYTES, Ordering.NONE, Concurrency.fixed(4), RateLimit.OFF, forward, credentials);
    }

    private static Event event(String id, long offset, RecordHeaders headers) {
        return new Event("t", 0, offset, 0, null, id.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static AttemptOutcome send(Route route, Event event) {
        return target.send(route, event, Span.getInvalid()).await().atMost(Duration.ofSeconds(10));
    }

    /** An independent Standard Webhooks check: HMAC-SHA256 over "id.timestamp.body", base64, per secret. */
    private static String expectedSignature(String whsec, String id, String timestamp, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(whsec.substring("whsec_".length())), "HmacSHA256"));
        mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    }

    @Test
    void headersComeFromSecretsAndARecordCannotReplaceThem() {
        Credentials c = new Credentials(Map.of("Authorization", new SecretHeader(SecretRef.env("TOKEN"), "Bearer "),
                "X-Tenant-Key", new SecretHeader(SecretRef.env("TOKEN"), "")), List.of());
        RecordHeaders h = new RecordHeaders();
        h.add("X-Tenant-Key", "forged".getBytes(StandardCharsets.UTF_8));
        h.add("X-Tenant-Id", "acme".getBytes(StandardCharsets.UTF_8));
        h.add("X-Api-Key", "the-records-own".getBytes(StandardCharsets.UTF_8));
        h.add("webhook-signature", "v1,forged".getBytes(StandardCharsets.UTF_8));

        AttemptOutcome o = send(route(c, List.of("x-", "webhook-")), event("static-1", 1, h));

        assertEquals(AttemptOutcome.Kind.SUCCESS, o.kind(), o.reason());
        MultiMap got = sink.stats("/in").headersOf("static-1");
        assertEquals("Bearer t0k3n-value", got.get("Authorization"));
        assertEquals(List.of("t0k3n-value"), got.getAll("X-Tenant-Key"), "the route's value only");
        assertEquals("acme", got.get("X-Tenant-Id"), "other headers of the prefix still pass");
        assertNull(got.get("X-Api-Key"), "a record's credential is never forwarded");
        assertNull(got.get("webhook-signature"), "nor a signature it carries");
    }

    @Test
    void requestsAreSignedWithEverySecretUnderTheRecordsIdempotencyKey() throws Exception {
        Credentials c = new Credentials(Map.of(), List.of(SecretRef.env("KEY_A"), SecretRef.env("KEY_B")));
        AttemptOutcome o = send(route(c, List.of()), event("signed-1", 7, new RecordHeaders()));

        assertEquals(AttemptOutcome.Kind.SUCCESS, o.kind(), o.reason());
        MultiMap got = sink.stats("/in").headersOf("signed-1");
        assertEquals("t-0-7", got.get("webhook-id"));
        assertEquals(got.get("Idempotency-Key"), got.get("webhook-id"));
        assertEquals(String.valueOf(NOW), got.get("webhook-timestamp"));
        byte[] body = "signed-1".getBytes(StandardCharsets.UTF_8);
        assertEquals(expectedSignature(KEY_A, "t-0-7", String.valueOf(NOW), body) + " "
                + expectedSignature(KEY_B, "t-0-7", String.valueOf(NOW), body), got.get("webhook-signature"));
    }

    @Test
    void aLargeBodyIsSignedToo() throws Exception {
        String id = "large-" + "x".repeat(HttpTarget.INLINE_SIGN_BYTES + 10);
        Credentials c = new Credentials(Map.of(), List.of(SecretRef.env("KEY_A")));
        AttemptOutcome o = send(route(c, List.of()), event(id, 8, new RecordHeaders()));

        assertEquals(AttemptOutcome.Kind.SUCCESS, o.kind(), o.reason());
        assertEquals(expectedSignature(KEY_A, "t-0-8", String.valueOf(NOW), id.getBytes(StandardCharsets.UTF_8)),
                sink.stats("/in").headersOf(id).get("webhook-signature"));
    }

    @Test
    void aSecretThatCannotBeReadFailsTheAttemptNamingTheReference() {
        Credentials c = new Credentials(Map.of("X-Api-Key", new SecretHeader(SecretRef.env("NOT_SET_HERE"), "")), List.of());
        AttemptOutcome o = send(route(c, List.of()), event("unsent-1", 9, new RecordHeaders()));

        assertEquals(AttemptOutcome.Kind.RETRIABLE, o.kind());
        assertEquals("credentials unavailable: environment variable NOT_SET_HERE is not set", o.reason());
        assertEquals(0, sink.stats("/in").attempts("unsent-1"), "nothing sent");
        assertTrue(sink.stats("/in").headersOf("unsent-1") == null);
    }
}
