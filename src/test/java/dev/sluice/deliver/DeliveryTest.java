package dev.sluice.deliver;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.outcome.DeadLetterWriter;
import dev.sluice.outcome.DeliveryResult;
import dev.sluice.outcome.RecordingEmitter;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.WaitHook;
import dev.sluice.schedule.RouteLimiter;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * One record's delivery on one route, through the state machine drawn in {@link Delivery}: retries
 * with backoff, dead letters with their reason, refused values, the drain, and a dead letter held
 * while its topic refuses it. The target and the dead-letter channel are played by the test; the
 * route's limiter, the value gate, the hold and the rest are the real ones.
 */
class DeliveryTest {
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final AttemptOutcome OK = AttemptOutcome.ofStatus(200, "OK", null);
    private static final AttemptOutcome UNAVAILABLE = AttemptOutcome.ofStatus(503, "Service Unavailable", null);
    private static final AttemptOutcome BAD_REQUEST = AttemptOutcome.ofStatus(400, "Bad Request", null);
    private static final RetryPolicy FAST_RETRIES = new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(20), 0);

    private final Event event = new Event("orders", 2, 41L, 1_700_000_000_000L, "k-1".getBytes(UTF_8),
            "{\"id\":1}".getBytes(UTF_8), new RecordHeaders().add("ce_type", "order.created".getBytes(UTF_8)));
    private TestDelivery pipeline;
    private RouteLimiter limiter;

    @AfterEach
    void close() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static Route route(RetryPolicy retry, Expects expects, int maxValueBytes) {
        return new Route("orders", List.of("orders"), URI.create("http://localhost:1/orders"), 4, Duration.ofSeconds(1),
                retry, "orders.dlq", expects, maxValueBytes, Ordering.KEY);
    }

    private static Route route(RetryPolicy retry) {
        return route(retry, Expects.ANY, Route.DEFAULT_MAX_VALUE_BYTES);
    }

    /** The pipeline and the route's limiter, for {@code route} alone; settings are startup properties. */
    private void start(Route route, TestTarget target, Map<String, String> settings) {
        pipeline = new TestDelivery(target, new SluiceConfig(64, List.of(route)), settings);
        limiter = new RouteLimiter(route, System::nanoTime, (delayNanos, task) -> {
            throw new AssertionError("the route has no rate limit: no token timer");
        });
    }

    private UniAssertSubscriber<DeliveryResult> deliver(Route route) {
        return pipeline.delivery().deliver(route, event, limiter, WaitHook.NONE).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
    }

    private UniAssertSubscriber<DeliveryResult> deliver(Route route, TestTarget target) {
        start(route, target, Map.of());
        return deliver(route);
    }

    private int inFlight() {
        return limiter.inFlightLimit().inFlight();
    }

    private RecordingEmitter deadLetters() {
        return pipeline.deadLetters();
    }

    @Test
    void aRetriableAnswerIsTriedAgainAfterItsBackoffWithoutHoldingTheRoutePermit() {
        Duration backoff = Duration.ofMillis(150);
        List<Integer> inFlightAtSend = new CopyOnWriteArrayList<>();
        TestTarget target = TestTarget.scripted(s -> {
            inFlightAtSend.add(inFlight());
            return s.number() < 2 ? UNAVAILABLE : OK;
        });

        UniAssertSubscriber<DeliveryResult> result = deliver(route(new RetryPolicy(3, backoff, backoff, 0)), target);

        // waiting for its second attempt: nothing of the route's capacity is held
        await().atMost(BOUND).pollInterval(Duration.ofMillis(1)).until(() -> target.sends().size() == 1 && inFlight() == 0);
        assertEquals(1, target.sends().size(), "still in its backoff");
        result.assertNotTerminated();

        assertEquals(DeliveryResult.DELIVERED, result.awaitItem(BOUND).getItem());
        List<TestTarget.Send> sends = target.sends();
        assertEquals(3, sends.size());
        for (int i = 1; i < sends.size(); i++) {
            long gap = TimeUnit.NANOSECONDS.toMillis(sends.get(i).atNanos() - sends.get(i - 1).atNanos());
            assertTrue(gap >= backoff.toMillis(), "attempt " + (i + 1) + " came " + gap + " ms after the one before");
        }
        assertEquals(List.of(1, 1, 1), inFlightAtSend, "each attempt holds the route permit while it is sent");
        assertEquals(0, inFlight(), "the permit is back");
        assertEquals(List.of(), deadLetters().sent());
        assertEquals(2, pipeline.stats().find("orders").retried());
    }

    /** Counts what a record is told of its waits, as the dispatcher's PermitWaits hears it. */
    private static final class CountingWaits implements WaitHook {
        final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void waiting() {
            waiting.incrementAndGet();
        }

        @Override
        public void queued() {
            queued.incrementAndGet();
        }

        @Override
        public void doneWaiting() {
            done.incrementAndGet();
        }
    }

    @Test
    void aBackoffCountsAsAWaitSoTheRecordParksAndItsPartitionIsHeldBack() {
        Duration backoff = Duration.ofMillis(300);
        TestTarget target = TestTarget.scripted(s -> s.number() < 2 ? UNAVAILABLE : OK);
        Route route = route(new RetryPolicy(3, backoff, backoff, 0));
        start(route, target, Map.of());
        CountingWaits waits = new CountingWaits();

        UniAssertSubscriber<DeliveryResult> result = pipeline.delivery().deliver(route, event, limiter, waits)
                .subscribe().withSubscriber(UniAssertSubscriber.create());

        // in its first backoff: told it waits (its partition counts it) and that it may park
        await().atMost(BOUND).pollInterval(Duration.ofMillis(1)).until(() -> waits.waiting.get() == 1);
        assertEquals(1, target.sends().size(), "in the backoff after the first attempt");
        assertEquals(1, waits.queued.get(), "told it may give its global permit back for a parking slot");
        assertEquals(0, waits.done.get(), "still waiting");

        assertEquals(DeliveryResult.DELIVERED, result.awaitItem(BOUND).getItem());
        assertEquals(3, target.sends().size());
        assertEquals(2, waits.waiting.get(), "two backoffs, two waits");
        assertEquals(2, waits.done.get(), "each wait ended once");
    }

    @Test
    void aBackoffCancelledEndsItsWaitOnce() {
        Duration backoff = Duration.ofSeconds(30);
        TestTarget target = TestTarget.answering(UNAVAILABLE);
        Route route = route(new RetryPolicy(3, backoff, backoff, 0));
        start(route, target, Map.of());
        CountingWaits waits = new CountingWaits();

        UniAssertSubscriber<DeliveryResult> result = pipeline.delivery().deliver(route, event, limiter, waits)
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        await().atMost(BOUND).pollInterval(Duration.ofMillis(1)).until(() -> waits.waiting.get() == 1);

        result.cancel();

        await().atMost(BOUND).until(() -> waits.done.get() == 1);
        assertEquals(1, target.sends().size(), "no attempt after the cancelled backoff");
        assertEquals(1, waits.waiting.get());
        assertEquals(0, inFlight());
    }

    @Test
    void retriableUntilMaxAttemptsIsDeadLetteredWithTheLastReasonAndTheAttempts() {
        TestTarget target = TestTarget.answering(UNAVAILABLE);

        UniAssertSubscriber<DeliveryResult> result = deliver(route(FAST_RETRIES), target);

        assertEquals(DeliveryResult.DEAD_LETTERED, result.awaitItem(BOUND).getItem());
        assertEquals(3, target.sends().size(), "max-attempts 3");
        assertEquals(1, deadLetters().sent().size());
        assertEquals("orders.dlq", deadLetters().metadata(0).getTopic());
        assertArrayEquals(event.key(), deadLetters().metadata(0).getKey());
        assertArrayEquals(event.value(), deadLetters().sent().get(0).getPayload());
        assertEquals("HTTP 503 Service Unavailable", deadLetters().header(0, DeadLetterWriter.REASON));
        assertEquals("503", deadLetters().header(0, DeadLetterWriter.HTTP_STATUS));
        assertEquals("3", deadLetters().header(0, DeadLetterWriter.ATTEMPTS));
        assertEquals("orders", deadLetters().header(0, DeadLetterWriter.ROUTE));
        assertEquals("orders", deadLetters().header(0, DeadLetterWriter.TOPIC));
        assertEquals("2", deadLetters().header(0, DeadLetterWriter.PARTITION));
        assertEquals("41", deadLetters().header(0, DeadLetterWriter.OFFSET));
        assertEquals("order.created", deadLetters().header(0, "ce_type"), "the record's own headers go along");
        assertEquals(0, inFlight());
    }

    @Test
    void aTerminalAnswerIsDeadLetteredAfterOneAttempt() {
        TestTarget target = TestTarget.answering(BAD_REQUEST, OK);

        UniAssertSubscriber<DeliveryResult> result = deliver(route(FAST_RETRIES), target);

        assertEquals(DeliveryResult.DEAD_LETTERED, result.awaitItem(BOUND).getItem());
        assertEquals(1, target.sends().size(), "a terminal answer is not tried again");
        assertEquals(1, deadLetters().sent().size());
        assertEquals("HTTP 400 Bad Request", deadLetters().header(0, DeadLetterWriter.REASON));
        assertEquals("1", deadLetters().header(0, DeadLetterWriter.ATTEMPTS));
        assertEquals(0, inFlight());
    }

    @Test
    void aValueOverTheRoutesMaxValueBytesIsDeadLetteredUnsent() {
        TestTarget target = TestTarget.answering(OK);

        UniAssertSubscriber<DeliveryResult> result = deliver(route(FAST_RETRIES, Expects.ANY, 4), target);

        assertEquals(DeliveryResult.DEAD_LETTERED, result.awaitItem(BOUND).getItem());
        assertEquals(0, target.sends().size(), "never reaches the target");
        assertEquals(1, deadLetters().sent().size());
        assertEquals("value-too-large: 8 > 4 bytes", deadLetters().header(0, DeadLetterWriter.REASON));
        assertEquals("0", deadLetters().header(0, DeadLetterWriter.ATTEMPTS));
        assertEquals(null, deadLetters().header(0, DeadLetterWriter.HTTP_STATUS));
        assertEquals(0, limiter.inFlightLimit().maxObserved(), "a refused value takes no route permit");
    }

    @Test
    void aValueNotAsTheRouteExpectsIsDeadLetteredUnsent() {
        TestTarget target = TestTarget.answering(OK);

        UniAssertSubscriber<DeliveryResult> result = deliver(route(FAST_RETRIES, Expects.CLOUDEVENTS,
                Route.DEFAULT_MAX_VALUE_BYTES), target);

        assertEquals(DeliveryResult.DEAD_LETTERED, result.awaitItem(BOUND).getItem());
        assertEquals(0, target.sends().size());
        assertEquals(1, deadLetters().sent().size());
        String reason = deadLetters().header(0, DeadLetterWriter.REASON);
        assertTrue(reason != null && !reason.isBlank(), "the check's reason: " + reason);
        assertEquals("0", deadLetters().header(0, DeadLetterWriter.ATTEMPTS));
    }

    @Test
    void aRecordNotStartedWhenTheDrainBeginsIsAbandonedUnsent() {
        TestTarget target = TestTarget.answering(OK);
        Route route = route(FAST_RETRIES);
        start(route, target, Map.of());

        pipeline.stopping().begin();
        UniAssertSubscriber<DeliveryResult> result = deliver(route);

        assertEquals(DeliveryResult.ABANDONED, result.awaitItem(BOUND).getItem());
        assertEquals(0, target.sends().size(), "left unacked for the next owner, not sent");
        assertEquals(List.of(), deadLetters().sent());
        assertEquals(0, inFlight(), "the permit is back");
    }

    @Test
    void aFirstAttemptWaitingForItsPermitWhenTheDrainBeginsIsAbandonedAndTakesNoPermit() {
        TestTarget target = TestTarget.answering(OK);
        Route route = new Route("orders", List.of("orders"), URI.create("http://localhost:1/orders"), 1,
                Duration.ofSeconds(1), FAST_RETRIES, "orders.dlq", Expects.ANY, Route.DEFAULT_MAX_VALUE_BYTES, Ordering.KEY);
        start(route, target, Map.of());
        // another record's request holds the route's only permit
        RouteLimiter.Pass other = limiter.acquire().await().atMost(BOUND);

        UniAssertSubscriber<DeliveryResult> result = deliver(route);
        result.assertNotTerminated();
        assertEquals(1, limiter.inFlightLimit().waiting());
        pipeline.stopping().begin();

        assertEquals(DeliveryResult.ABANDONED, result.awaitItem(BOUND).getItem());
        assertEquals(0, limiter.inFlightLimit().waiting(), "it left the queue");
        other.onAnswer();
        assertEquals(0, inFlight(), "the permit freed later was not granted to the abandoned attempt");
        assertEquals(0, target.sends().size());
        assertEquals(List.of(), deadLetters().sent());
    }

    @Test
    void aDeadLetterTheTopicRefusesIsHeldUntilALaterWriteSucceeds() {
        AtomicReference<UniEmitter<? super Void>> secondWrite = new AtomicReference<>();
        TestTarget target = TestTarget.answering(BAD_REQUEST);
        Route route = route(FAST_RETRIES);
        start(route, target, Map.of("sluice.dead-letter.retry-initial-backoff", "10ms",
                "sluice.dead-letter.retry-max-backoff", "20ms"));
        // the first write fails, the second is answered when the test says
        deadLetters().thenAnswer(() -> Uni.createFrom().failure(new IllegalStateException("topic orders.dlq not present")))
                .thenAnswer(() -> Uni.createFrom().<Void> emitter(secondWrite::set));

        UniAssertSubscriber<DeliveryResult> result = deliver(route);

        await().atMost(BOUND).until(() -> deadLetters().sent().size() == 2);
        result.assertNotTerminated();
        assertEquals(1, inFlight(), "a held record holds its route permit");
        assertEquals(1, target.sends().size(), "the target is not asked again");

        secondWrite.get().complete(null);

        assertEquals(DeliveryResult.DEAD_LETTERED, result.awaitItem(BOUND).getItem());
        assertEquals(2, deadLetters().sent().size());
        assertEquals("HTTP 400 Bad Request", deadLetters().header(1, DeadLetterWriter.REASON));
        assertEquals("1", deadLetters().header(1, DeadLetterWriter.ATTEMPTS));
        assertEquals(0, inFlight(), "the permit is back");
    }
}
