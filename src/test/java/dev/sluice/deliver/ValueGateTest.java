package dev.sluice.deliver;

import static dev.sluice.deliver.Values.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;

class ValueGateTest {
    /** Runs tasks only when the test says so, and counts them: shows what would run on a worker. */
    private static final class ManualWorkers implements Executor {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            Runnable t;
            while ((t = tasks.poll()) != null) {
                t.run();
            }
        }
    }

    private final ManualWorkers workers = new ManualWorkers();
    private final ValueGate gate = new ValueGate(workers);

    private static Route route(Expects expects, int maxValueBytes) {
        return new Route("orders", List.of("orders"), URI.create("http://localhost/x"), 8, Duration.ofSeconds(1),
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(100), 0), "orders.dlq", expects, maxValueBytes,
                Ordering.NONE);
    }

    /** A JSON string value of exactly {@code size} bytes, valid or with its closing quote missing. */
    private static Event json(int size, boolean valid) {
        String s = "\"" + "a".repeat(size - 2) + (valid ? "\"" : "a");
        return event(s.getBytes(StandardCharsets.UTF_8));
    }

    private Optional<String> now(Route route, Event event) {
        return gate.refusal(route, event).await().atMost(Duration.ofSeconds(5));
    }

    @ParameterizedTest(name = "expects {0}")
    @EnumSource(Expects.class)
    void aValueAboveTheLimitIsRefusedWithoutBeingParsed(Expects expects) {
        var pending = gate.refusal(route(expects, 1000), json(2000, false)).subscribe().asCompletionStage();

        assertTrue(workers.tasks.isEmpty(), "no parse was scheduled");
        assertEquals(Optional.of("value-too-large: 2000 > 1000 bytes"), pending.toCompletableFuture().getNow(null));
    }

    @Test
    void aValueAtTheLimitPasses() {
        assertEquals(Optional.empty(), now(route(Expects.ANY, 1000), json(1000, false)));
    }

    @Test
    void aTombstoneHasSizeZero() {
        assertEquals(Optional.empty(), now(route(Expects.ANY, 1), event((byte[]) null)));
    }

    @Test
    void smallValuesAreCheckedOnTheCallingThread() {
        Route route = route(Expects.JSON, Route.DEFAULT_MAX_VALUE_BYTES);

        var pending = gate.refusal(route, json(ValueGate.INLINE_CHECK_BYTES, false)).subscribe().asCompletionStage();

        assertTrue(workers.tasks.isEmpty());
        assertTrue(pending.toCompletableFuture().getNow(null).orElseThrow().startsWith("invalid-json: "));
    }

    @Test
    void largerValuesAreParsedOnAWorkerNotTheCallingThread() {
        Route route = route(Expects.JSON, Route.DEFAULT_MAX_VALUE_BYTES);

        var bad = gate.refusal(route, json(ValueGate.INLINE_CHECK_BYTES + 1, false)).subscribe().asCompletionStage();
        var good = gate.refusal(route, json(Route.DEFAULT_MAX_VALUE_BYTES, true)).subscribe().asCompletionStage();

        assertEquals(2, workers.tasks.size(), "both parses wait for a worker");
        assertEquals(null, bad.toCompletableFuture().getNow(null), "nothing parsed on the calling thread");
        workers.runAll();
        assertTrue(bad.toCompletableFuture().getNow(null).orElseThrow().startsWith("invalid-json: Unexpected end-of-input"));
        assertEquals(Optional.empty(), good.toCompletableFuture().getNow(null));
    }

    @Test
    void expectsAnyNeverParsesNorUsesAWorker() {
        var pending = gate.refusal(route(Expects.ANY, Route.DEFAULT_MAX_VALUE_BYTES), json(500_000, false))
                .subscribe().asCompletionStage();

        assertTrue(workers.tasks.isEmpty());
        assertEquals(Optional.empty(), pending.toCompletableFuture().getNow(null));
    }

    @Test
    void cloudEventsAreCheckedByTheirMode() {
        Route route = route(Expects.CLOUDEVENTS, Route.DEFAULT_MAX_VALUE_BYTES);

        assertEquals(Optional.of("not-a-cloudevent: missing ce_id"), now(route, event("{}", "ce_specversion", "1.0",
                "ce_source", "/s", "ce_type", "t")));
    }
}
