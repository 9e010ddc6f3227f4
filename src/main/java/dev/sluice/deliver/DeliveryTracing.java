package dev.sluice.deliver;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.outcome.DeliveryResult;

/**
 * Traces of deliveries: one CONSUMER span per record and route ("deliver &lt;route&gt;", from the
 * first attempt to delivered or dead-lettered), a child of the trace context in the record's
 * headers ({@code traceparent}/{@code tracestate}); one CLIENT span per HTTP attempt under it,
 * whose context goes to the target in the request's {@code traceparent}. So the producer's trace
 * goes on through Sluice to the endpoint.
 *
 * <p>With the OpenTelemetry SDK disabled (the default), the tracer and the propagator are no-ops:
 * no spans, nothing injected, and the record's own {@code traceparent} reaches the target unchanged
 * (HeaderMapping passes it through).
 */
@ApplicationScoped
public class DeliveryTracing {
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("sluice.route");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("sluice.attempt");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sluice.outcome");
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<Long> PARTITION = AttributeKey.longKey("messaging.destination.partition.id");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> URL = AttributeKey.stringKey("url.full");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    private static final TextMapGetter<Event> RECORD_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Event event) {
            List<String> keys = new ArrayList<>();
            for (Header h : event.headers()) {
                keys.add(h.key());
            }
            return keys;
        }

        @Override
        public String get(Event event, String key) {
            return event == null ? null : event.header(key);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    /** False with the SDK disabled: then no span is built at all, not even a no-op one. */
    private final boolean enabled;

    public DeliveryTracing(OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled) {
        // a disabled SDK still hands out a tracer that makes span ids and a propagator that
        // injects them: the target would get a parent span that no backend ever sees
        OpenTelemetry otel = sdkDisabled ? OpenTelemetry.noop() : openTelemetry;
        this.tracer = otel.getTracer("dev.sluice");
        this.propagator = otel.getPropagators().getTextMapPropagator();
        this.enabled = !sdkDisabled;
    }

    /** Starts the span of one record's delivery on one route. */
    public Span startDelivery(Route route, Event event) {
        if (!enabled) {
            // per record and route: no header scan, no span name, no attributes
            return Span.getInvalid();
        }
        Context parent = propagator.extract(Context.root(), event, RECORD_HEADERS);
        return tracer.spanBuilder("deliver " + route.name())
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(ROUTE, route.name())
                .setAttribute(SYSTEM, "kafka")
                .setAttribute(DESTINATION, event.topic())
                .setAttribute(PARTITION, (long) event.partition())
                .setAttribute(OFFSET, event.offset())
                .startSpan();
    }

    /** Ends a delivery span with its result. */
    public void endDelivery(Span delivery, DeliveryResult result, Throwable failure) {
        if (!enabled) {
            return;
        }
        if (failure != null) {
            delivery.recordException(failure);
            delivery.setStatus(StatusCode.ERROR, "dead-letter write failed");
        } else if (result == null) {
            // cancelled (the drain's deadline, a revoked partition): no result to report. This
            // threw before, and the route's meters of the delivery were never closed
            delivery.setAttribute(OUTCOME, "cancelled");
        } else {
            delivery.setAttribute(OUTCOME, result.name().toLowerCase(java.util.Locale.ROOT));
            if (result == DeliveryResult.DEAD_LETTERED) {
                delivery.setStatus(StatusCode.ERROR, "dead-lettered");
            }
        }
        delivery.end();
    }

    /** Starts the span of one HTTP attempt under a delivery span. */
    public Span startAttempt(Span delivery, Route route, int attempt) {
        if (!enabled) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder("POST")
                .setParent(Context.root().with(delivery))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(ROUTE, route.name())
                .setAttribute(ATTEMPT, (long) attempt)
                .setAttribute(METHOD, "POST")
                .setAttribute(URL, route.shownUrl())
                .startSpan();
    }

    /** Ends an attempt span with its outcome. */
    public void endAttempt(Span span, AttemptOutcome outcome) {
        if (!enabled) {
            return;
        }
        if (outcome.status() > 0) {
            span.setAttribute(STATUS, (long) outcome.status());
        }
        if (outcome.kind() != AttemptOutcome.Kind.SUCCESS) {
            span.setStatus(StatusCode.ERROR, outcome.reason());
        }
        span.end();
    }

    /** Puts the attempt's trace context into the request headers (replacing the record's). */
    public void inject(Span attempt, Map<String, String> headers) {
        if (!enabled) {
            return; // the record's own traceparent, if any, goes through unchanged (HeaderMapping)
        }
        propagator.inject(Context.root().with(attempt), headers, (carrier, key, value) -> carrier.put(key, value));
    }
}
