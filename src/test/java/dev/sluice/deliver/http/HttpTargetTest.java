package dev.sluice.deliver.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Concurrency;
import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RateLimit;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.deliver.AttemptOutcome;
import dev.sluice.deliver.DeliveryTracing;
import dev.sluice.pipeline.Event;
import dev.sluice.testing.TestSink;
import dev.sluice.testing.TrickleServer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * One attempt against real local servers: answers classified, and the route's timeout bounding
 * the whole exchange and aborting it on the wire. The last two tests show why HttpTarget does not
 * use the web client's timeout or cancel a Uni of the Mutiny bindings: both leave a trickling
 * request on the wire.
 */
class HttpTargetTest {
    /** The trickle tests' route timeout; answers that should come are given far longer, so a busy machine cannot fail them. */
    private static final long TIMEOUT_MS = 300;
    private static final long PLENTY_MS = 5000;

    private static Vertx vertx;
    private static HttpTarget target;
    private static TrickleServer trickle;
    private static TestSink sink;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        target = new HttpTarget(vertx, new DeliveryTracing(OpenTelemetry.noop(), true));
        trickle = new TrickleServer(50);
        sink = new TestSink();
        sink.on("/ok", (id, attempt) -> TestSink.Reply.ok());
        sink.on("/busy", (id, attempt) -> new TestSink.Reply(503, 0, Map.of("Retry-After", "7")));
        sink.on("/bad", (id, attempt) -> TestSink.Reply.status(400));
    }

    @AfterAll
    static void stop() {
        target.close();
        sink.close();
        trickle.close();
        vertx.closeAndAwait();
    }

    private static Route route(String url, long timeoutMs) {
        return new Route("r", List.of("t"), URI.create(url), 4, Duration.ofMillis(timeoutMs),
                new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(100), 0), "r.dlq", Expects.ANY,
                Route.DEFAULT_MAX_VALUE_BYTES, Ordering.NONE, Concurrency.fixed(4), RateLimit.OFF);
    }

    private static Event event(String id) {
        return new Event("t", 0, 0, 0, id.getBytes(StandardCharsets.UTF_8), id.getBytes(StandardCharsets.UTF_8),
                new RecordHeaders());
    }

    private static UniAssertSubscriber<AttemptOutcome> send(String url, String id) {
        return send(url, id, TIMEOUT_MS);
    }

    private static UniAssertSubscriber<AttemptOutcome> send(String url, String id, long timeoutMs) {
        return target.send(route(url, timeoutMs), event(id), Span.getInvalid()).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
    }

    private static AttemptOutcome answer(String url, String id) {
        return send(url, id, PLENTY_MS).awaitItem(Duration.ofMillis(2 * PLENTY_MS)).getItem();
    }

    @Test
    void answersAreClassifiedAndTheirBodiesDiscarded() {
        AttemptOutcome ok = answer(sink.url("/ok"), "a");
        AttemptOutcome busy = answer(sink.url("/busy"), "b");
        AttemptOutcome bad = answer(sink.url("/bad"), "c");

        assertEquals(AttemptOutcome.Kind.SUCCESS, ok.kind(), ok.reason());
        assertEquals(AttemptOutcome.Kind.RETRIABLE, busy.kind(), busy.reason());
        assertEquals(Duration.ofSeconds(7), busy.retryAfter());
        assertEquals(AttemptOutcome.Kind.TERMINAL, bad.kind(), bad.reason());
        assertEquals("sluice", sink.stats("/ok").headersOf("a").get("User-Agent"));
    }

    @Test
    void aRefusedConnectionIsARetriableError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        AttemptOutcome refused = answer("http://localhost:" + port + "/x", "r");
        assertEquals(AttemptOutcome.Kind.RETRIABLE, refused.kind());
        assertTrue(refused.reason().startsWith("connection refused"), refused.reason());
    }

    @Test
    void aTrickledBodyTimesOutAfterTheRouteTimeoutAndItsConnectionIsClosed() {
        assertTimesOutAndAborts("/unit/slow-body");
    }

    @Test
    void trickledHeadersTimeOutAfterTheRouteTimeoutAndTheirConnectionIsClosed() {
        assertTimesOutAndAborts("/unit/slow-headers");
    }

    private static void assertTimesOutAndAborts(String path) {
        long start = System.nanoTime();
        AttemptOutcome outcome = send(trickle.url(path), "t").awaitItem(Duration.ofSeconds(10)).getItem();
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertEquals(AttemptOutcome.ofError("timeout after " + TIMEOUT_MS + " ms"), outcome);
        assertTrue(tookMs >= TIMEOUT_MS && tookMs < TIMEOUT_MS + 1000, "the attempt took " + tookMs + " ms");
        await().atMost(Duration.ofSeconds(2)).until(() -> trickle.stats(path).open() == 0);
    }

    @Test
    void aCancelledAttemptIsAbortedOnTheWire() {
        String path = "/unit/cancelled";
        UniAssertSubscriber<AttemptOutcome> attempt = send(trickle.url(path), "c");
        await().atMost(Duration.ofSeconds(5)).until(() -> trickle.stats(path).open() == 1);

        attempt.cancel();

        await().atMost(Duration.ofSeconds(2)).until(() -> trickle.stats(path).open() == 0);
        attempt.assertNotTerminated();
    }

    /** Why not the web client's timeout: it is an idle timeout, and each trickled byte re-arms it. */
    @Test
    void theWebClientsTimeoutNeverEndsATrickledBody() {
        String path = "/unit/webclient-timeout";
        WebClient web = WebClient.create(vertx);
        try {
            UniAssertSubscriber<HttpResponse<Buffer>> attempt = web.postAbs(trickle.url(path)).timeout(TIMEOUT_MS)
                    .sendBuffer(Buffer.buffer("w")).subscribe().withSubscriber(UniAssertSubscriber.create());

            await().atMost(Duration.ofSeconds(5)).until(() -> trickle.stats(path).open() == 1);
            await().during(Duration.ofMillis(5 * TIMEOUT_MS)).atMost(Duration.ofMillis(7 * TIMEOUT_MS))
                    .until(() -> trickle.stats(path).open() == 1);
            attempt.assertNotTerminated();
        } finally {
            web.close();
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> trickle.stats(path).open() == 0);
    }

    /** Why not cancel the bindings' Uni: AsyncResultUni only drops the result; the request stays on the wire. */
    @Test
    void cancellingAUniOfTheMutinyBindingsLeavesTheRequestOnTheWire() {
        String path = "/unit/bindings-cancel";
        WebClient web = WebClient.create(vertx);
        try {
            UniAssertSubscriber<HttpResponse<Buffer>> attempt = web.postAbs(trickle.url(path))
                    .sendBuffer(Buffer.buffer("m")).subscribe().withSubscriber(UniAssertSubscriber.create());
            await().atMost(Duration.ofSeconds(5)).until(() -> trickle.stats(path).open() == 1);

            attempt.cancel();

            await().during(Duration.ofMillis(3 * TIMEOUT_MS)).atMost(Duration.ofMillis(5 * TIMEOUT_MS))
                    .until(() -> trickle.stats(path).open() == 1);
        } finally {
            web.close();
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> trickle.stats(path).open() == 0);
    }

    @org.junit.jupiter.api.Test
    void aUrlsUserinfoBecomesBasicAuthenticationAndLeavesTheRequestLine() {
        java.net.URI url = java.net.URI.create("https://svc%40corp:p%3Ass+w@h:8443/in?k=v");

        org.junit.jupiter.api.Assertions.assertEquals("Basic " + java.util.Base64.getEncoder()
                .encodeToString("svc@corp:p:ss+w".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                HttpTarget.basicAuthorization(url));
        org.junit.jupiter.api.Assertions.assertEquals("https://h:8443/in?k=v", HttpTarget.withoutUserInfo(url));
    }
}
