package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * Traces, enabled by configuration only: the packaged app with the OpenTelemetry SDK switched on
 * and its OTLP/HTTP exporter pointed at the test's HTTP server. The record's trace goes on to the
 * target (same trace id, Sluice's attempt span as the parent), and the spans are exported.
 * With the default configuration (SDK off) the record's traceparent reaches the target unchanged:
 * see DeliveryPipelineIT.headersAreMappedToHttp.
 */
class TracingIT {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PRODUCER_SPAN = "00f067aa0ba902b7";
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/traced", (id, attempt) -> attempt == 1 ? TestSink.Reply.status(503) : TestSink.Reply.ok())
                .on("/v1/traces", (body, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("traced.orders", 1);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    @Test
    void theRecordsTraceGoesOnToTheTargetAndSpansAreExported() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "traced", "traced.orders", "/traced", 4);
        config.put("sluice.routes.traced.retry.initial-backoff", "10ms");
        config.put("quarkus.otel.sdk.disabled", "false");
        config.put("quarkus.otel.exporter.otlp.traces.endpoint", env.sink().url(""));
        config.put("quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf");
        config.put("quarkus.otel.bsp.schedule.delay", "200ms");
        TestSink.PathStats traced = env.sink().stats("/traced");
        TestSink.PathStats exported = env.sink().stats("/v1/traces");
        try (SluiceProcess app = SluiceProcess.start("tracing", config, List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(60));
            try (Kafka kafka = new Kafka(env.bootstrap())) {
                kafka.send("traced.orders", "k", "traced-1", Map.of("traceparent", "00-" + TRACE_ID + "-" + PRODUCER_SPAN + "-01"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> traced.accepted().contains("traced-1"));
            String traceparent = traced.headersOf("traced-1").get("traceparent");
            String[] parts = traceparent.split("-");
            assertEquals(4, parts.length, traceparent);
            assertEquals(TRACE_ID, parts[1], "the producer's trace goes on to the target");
            assertNotEquals(PRODUCER_SPAN, parts[2], "the parent is Sluice's attempt span, not the producer's span");
            assertEquals(2, traced.attempts("traced-1"), "the 503 was retried");

            // the OTLP exporter posts the spans: the delivery span and its two attempts
            await().atMost(Duration.ofSeconds(30)).until(() -> exported.accepted().stream()
                    .anyMatch(body -> body.contains("deliver traced") && body.contains("sluice.route")));
            assertTrue(exported.accepted().stream().anyMatch(body -> body.contains("POST") && body.contains("sluice.attempt")),
                    "attempt spans exported");
            System.out.printf("theRecordsTraceGoesOnToTheTargetAndSpansAreExported: target got %s for producer span %s; "
                    + "%d OTLP export requests%n", traceparent, PRODUCER_SPAN, exported.requests());
            assertEquals(0, app.terminate(Duration.ofSeconds(30)));
        }
    }
}
