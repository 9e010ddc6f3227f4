package dev.sluice.deliver.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Concurrency;
import dev.sluice.config.Credentials;
import dev.sluice.config.Expects;
import dev.sluice.config.OAuth2;
import dev.sluice.config.Ordering;
import dev.sluice.config.RateLimit;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.config.SecretRef;
import dev.sluice.config.SecretSource;
import dev.sluice.config.Secrets;
import dev.sluice.deliver.DeliveryTracing;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.pipeline.Event;
import dev.sluice.testing.TestSink;
import dev.sluice.testing.TokenEndpoint;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.core.Vertx;

/**
 * OAuth2 client credentials on the wire, through HttpTarget, against a real token endpoint and a
 * real sink that accepts only a token the endpoint issued and that has not expired: the token
 * request as RFC 6749 4.4 and 2.3.1 spell it, one token for many deliveries, a 401 answered by one
 * fresh token and one resend, token endpoint failures as retriable reasons that name the endpoint
 * redacted and hold no secret.
 */
class OAuth2RequestTest {
    private static final String SECRET = "s3cr3t:with&odd=chars";
    private static final Map<String, String> env = new ConcurrentHashMap<>();
    private static Vertx vertx;
    private static HttpTarget target;
    private static TestSink sink;
    /** Which endpoint issued the tokens the sink checks, per sink path. */
    private static final Map<String, TokenEndpoint> issuers = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        env.put("IDP_SECRET", SECRET);
        vertx = Vertx.vertx();
        // read again at every use (in the background), so a rotated secret shows at once
        Secrets secrets = new Secrets(new SecretSource(env::get), task -> Infrastructure.getDefaultWorkerPool().execute(task),
                System::nanoTime, Duration.ZERO);
        target = new HttpTarget(vertx, new DeliveryTracing(OpenTelemetry.noop(), true), secrets);
        sink = new TestSink();
        sink.on("/in", (id, attempt) -> TestSink.Reply.status(validToken("/in", id) ? 200 : 401));
        // as a target that revoked the first token its IdP issued
        sink.on("/once401", (id, attempt) -> TestSink.Reply.status(validToken("/once401", id)
                && !bearer("/once401", id).equals(issuers.get("/once401").issued().get(0)) ? 200 : 401));
        sink.on("/always401", (id, attempt) -> TestSink.Reply.status(401));
    }

    @AfterAll
    static void stop() {
        target.close();
        sink.close();
        issuers.values().forEach(TokenEndpoint::close);
        vertx.closeAndAwait();
    }

    private static String bearer(String path, String id) {
        String authorization = sink.stats(path).headersOf(id).get("Authorization");
        return authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
    }

    private static boolean validToken(String path, String id) {
        TokenEndpoint issuer = issuers.get(path);
        return issuer != null && issuer.valid(bearer(path, id));
    }

    private static TokenEndpoint endpoint(String sinkPath, Duration lifetime) {
        TokenEndpoint e = new TokenEndpoint("sluice", SECRET, lifetime);
        TokenEndpoint old = issuers.put(sinkPath, e);
        if (old != null) {
            old.close();
        }
        return e;
    }

    private static Route route(String name, String sinkPath, String tokenUrl, String scope, String audience, long timeoutMs) {
        return route(name, sinkPath, tokenUrl, scope, audience, timeoutMs, SecretRef.env("IDP_SECRET"));
    }

    private static Route route(String name, String sinkPath, String tokenUrl, String scope, String audience, long timeoutMs,
            SecretRef secret) {
        OAuth2 oauth2 = new OAuth2(URI.create(tokenUrl), "sluice", secret, scope, audience);
        return new Route(name, List.of("t"), URI.create(sink.url(sinkPath)), 64, Duration.ofMillis(timeoutMs),
                new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(100), 0), "r.dlq", Expects.ANY,
                Route.DEFAULT_MAX_VALUE_BYTES, Ordering.NONE, Concurrency.fixed(64), RateLimit.OFF, List.of(),
                new Credentials(Map.of(), List.of(), oauth2));
    }

    private static Event event(String id) {
        return new Event("t", 0, 0, 0, null, id.getBytes(StandardCharsets.UTF_8), new RecordHeaders());
    }

    private static AttemptOutcome send(Route route, String id) {
        return target.send(route, event(id), Span.getInvalid()).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void theRequestCarriesATokenFetchedOnceWithClientSecretBasic() {
        TokenEndpoint idp = endpoint("/in", Duration.ofSeconds(60));
        Route r = route("basic", "/in", idp.url("/token"), "orders:write audit", "https://api.example", 5000);

        for (int i = 0; i < 3; i++) {
            AttemptOutcome o = send(r, "basic-" + i);
            assertEquals(AttemptOutcome.Kind.SUCCESS, o.kind(), o.reason());
        }

        assertEquals(1, idp.requests().size(), "one token for all three deliveries");
        TokenEndpoint.Request fetch = idp.requests().get(0);
        // RFC 6749 2.3.1: id and secret form-encoded, then Basic
        assertEquals("Basic " + Base64.getEncoder().encodeToString("sluice:s3cr3t%3Awith%26odd%3Dchars"
                .getBytes(StandardCharsets.UTF_8)), fetch.authorization());
        assertEquals("application/x-www-form-urlencoded", fetch.contentType());
        assertEquals("grant_type=client_credentials&scope=orders%3Awrite+audit&audience=https%3A%2F%2Fapi.example", fetch.body());
        for (int i = 0; i < 3; i++) {
            assertEquals("Bearer " + idp.issued().get(0), sink.stats("/in").headersOf("basic-" + i).get("Authorization"));
        }
    }

    @Test
    void concurrentDeliveriesShareOneFetch() {
        TokenEndpoint idp = endpoint("/in", Duration.ofSeconds(60));
        idp.answer(n -> null);
        Route r = route("shared", "/in", idp.url("/token"), null, null, 5000);

        List<Uni<AttemptOutcome>> sends = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            sends.add(target.send(r, event("shared-" + i), Span.getInvalid()));
        }
        List<AttemptOutcome> outcomes = Uni.join().all(sends).andFailFast().await().atMost(Duration.ofSeconds(10));

        outcomes.forEach(o -> assertEquals(AttemptOutcome.Kind.SUCCESS, o.kind(), o.reason()));
        assertEquals(1, idp.requests().size(), "32 deliveries at once, one token request");
        assertEquals("grant_type=client_credentials", idp.requests().get(0).body());
    }

    @Test
    void a401GetsOneFreshTokenAndOneResend() {
        TokenEndpoint idp = endpoint("/once401", Duration.ofSeconds(60));
        Route r = route("renewed", "/once401", idp.url("/token"), null, null, 5000);

        AttemptOutcome o = send(r, "renewed-1");

        assertEquals(AttemptOutcome.Kind.SUCCESS, o.kind(), o.reason());
        assertEquals(2, idp.requests().size(), "exactly one extra token request");
        assertEquals(2, sink.stats("/once401").attempts("renewed-1"), "sent, then resent once");
        assertEquals("Bearer " + idp.issued().get(1), sink.stats("/once401").headersOf("renewed-1").get("Authorization"));
        assertEquals(AttemptOutcome.Kind.SUCCESS, send(r, "renewed-2").kind(), "the fresh token is kept");
        assertEquals(2, idp.requests().size());
    }

    @Test
    void aSecond401IsTheAttemptsOutcomeNotALoop() {
        TokenEndpoint idp = endpoint("/always401", Duration.ofSeconds(60));
        Route r = route("refused", "/always401", idp.url("/token"), null, null, 5000);

        AttemptOutcome o = send(r, "refused-1");

        assertEquals(AttemptOutcome.Kind.TERMINAL, o.kind(), o.reason());
        assertEquals(401, o.status());
        assertEquals(2, idp.requests().size());
        assertEquals(2, sink.stats("/always401").attempts("refused-1"));
    }

    @Test
    void tokenEndpointFailuresAreRetriableWithAReasonNamingTheEndpointRedacted() {
        TokenEndpoint idp = endpoint("/in", Duration.ofSeconds(60));
        String url = idp.url("/token?tenant=acme-private");
        String shown = idp.url("/token?tenant=***");
        idp.answer(n -> switch (n) {
            case 1 -> new TokenEndpoint.Answer(503, "{\"error\":\"temporarily_unavailable\",\"echo\":\"" + SECRET + "\"}", 0);
            case 2 -> new TokenEndpoint.Answer(200, "<html>" + SECRET + "</html>", 0);
            case 3 -> new TokenEndpoint.Answer(200, "{\"access_token\":\"abc\",\"token_type\":\"mac\"}", 0);
            case 4 -> new TokenEndpoint.Answer(200, "{\"token_type\":\"Bearer\"}", 0);
            case 5 -> new TokenEndpoint.Answer(200, "{}", -1);
            default -> null;
        });
        List<String> expected = List.of(": HTTP 503 (temporarily_unavailable)", ": answer is not JSON", ": token_type is not Bearer",
                ": answer has no access_token", ": timeout after 300 ms");
        for (int i = 0; i < expected.size(); i++) {
            Route r = route("failing-" + i, "/in", url, null, null, 300);
            AttemptOutcome o = send(r, "failing-" + i);
            assertEquals(AttemptOutcome.Kind.RETRIABLE, o.kind(), o.reason());
            assertEquals("oauth2 token endpoint " + shown + expected.get(i), o.reason());
            assertEquals(0, sink.stats("/in").attempts("failing-" + i), "the record is not sent without a token");
        }
        idp.acceptSecret("another-secret");
        AttemptOutcome wrongSecret = send(route("wrong-secret", "/in", url, null, null, 300), "wrong-secret");
        assertEquals("oauth2 token endpoint " + shown + ": HTTP 401 (invalid_client)", wrongSecret.reason());
    }

    @Test
    void anUnreachableEndpointIsNamedAsRefused() {
        TokenEndpoint idp = endpoint("/in", Duration.ofSeconds(60));
        String url = idp.url("/token");
        idp.close();

        AttemptOutcome o = send(route("refused-conn", "/in", url, null, null, 2000), "refused-conn");

        assertEquals(AttemptOutcome.Kind.RETRIABLE, o.kind());
        assertTrue(o.reason().startsWith("oauth2 token endpoint " + url + ": connection refused"), o.reason());
        assertFalse(o.reason().contains(SECRET));
    }

    @Test
    void aShortLivedTokenIsReplacedBeforeItExpiresAndARotatedSecretIsUsedForTheNextFetch() {
        TokenEndpoint idp = endpoint("/in", Duration.ofSeconds(1));
        // a variable of its own: Secrets keeps what it read, and the other tests must not see the rotated value
        env.put("ROTATED_SECRET", SECRET);
        Route r = route("rotated", "/in", idp.url("/token"), null, null, 2000, SecretRef.env("ROTATED_SECRET"));
        assertEquals(AttemptOutcome.Kind.SUCCESS, send(r, "rotated-0").kind());

        String rotated = "rotated-secret-2";
        env.put("ROTATED_SECRET", rotated);
        // both, while rotated, as an IdP does: Secrets may send the old value once more while it reads the new one
        idp.alsoAccept(rotated);
        String expected = "Basic " + Base64.getEncoder().encodeToString(("sluice:" + rotated).getBytes(StandardCharsets.UTF_8));
        int[] n = {0};
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            AttemptOutcome o = send(r, "rotated-" + ++n[0]);
            assertEquals(AttemptOutcome.Kind.SUCCESS, o.kind(), "every delivery carries a valid token: " + o.reason());
            List<TokenEndpoint.Request> fetches = idp.requests();
            return expected.equals(fetches.get(fetches.size() - 1).authorization());
        });
    }

    @Test
    void theTokenAnswerIsReadAsRfc6749SaysWithADefaultLifetime() {
        assertEquals(Duration.ofSeconds(300), OAuth2TokenClient.parse("{\"access_token\":\"a\",\"token_type\":\"Bearer\"}"
                .getBytes(StandardCharsets.UTF_8)).lifetime(), "no expires_in: 300 s assumed");
        assertEquals(Duration.ofSeconds(3600), OAuth2TokenClient.parse(("{\"access_token\":\"a\",\"token_type\":\"bearer\","
                + "\"expires_in\":\"3600\"}").getBytes(StandardCharsets.UTF_8)).lifetime(), "a string of seconds, case-insensitive type");
        assertEquals(Duration.ofHours(24), OAuth2TokenClient.parse("{\"access_token\":\"a\",\"expires_in\":999999999}"
                .getBytes(StandardCharsets.UTF_8)).lifetime(), "capped");
        assertEquals("expires_in is 0 s", assertThrows(IllegalArgumentException.class, () -> OAuth2TokenClient.parse(
                "{\"access_token\":\"a\",\"expires_in\":0}".getBytes(StandardCharsets.UTF_8))).getMessage());
        assertEquals("access_token is not usable in an Authorization header", assertThrows(IllegalArgumentException.class,
                () -> OAuth2TokenClient.parse("{\"access_token\":\"a\\r\\nX-Injected: 1\"}".getBytes(StandardCharsets.UTF_8)))
                .getMessage());
    }
}
