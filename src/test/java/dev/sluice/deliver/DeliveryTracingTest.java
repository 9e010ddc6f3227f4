package dev.sluice.deliver;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import java.net.URI;
import java.time.Duration;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;

class DeliveryTracingTest {

    @Test
    void aCancelledDeliveryEndsItsSpanWithoutAResult() {
        // before: a NullPointerException on result.name(), thrown where the route's meters are closed
        DeliveryTracing tracing = new DeliveryTracing(OpenTelemetry.noop(), false);
        Route route = new Route("r", java.util.List.of("t"), URI.create("http://h/x"), 1, Duration.ofSeconds(1),
                new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 0), "dlq", Expects.ANY, 10, Ordering.KEY);
        Span span = tracing.startDelivery(route, new Event("t", 0, 0L, 0L, null, "v".getBytes(UTF_8), new RecordHeaders()));

        assertDoesNotThrow(() -> tracing.endDelivery(span, null, null));
    }
}
