package dev.sluice.deliver.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.pipeline.Event;

class HeaderMappingTest {
    /** Prefixes that match every name: what is still dropped is dropped whatever a route says. */
    private static final List<String> ALL = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n",
            "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "_");

    private static RecordHeaders headers(String... namesAndValues) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(namesAndValues[i], namesAndValues[i + 1].getBytes(UTF_8));
        }
        return h;
    }

    private static Event event(byte[] key, RecordHeaders headers) {
        return new Event("orders", 3, 42L, 1_700_000_000_000L, key, "{}".getBytes(UTF_8), headers);
    }

    private static Event event(RecordHeaders headers) {
        return event(null, headers);
    }

    private static RecordHeaders binaryCloudEvent() {
        return headers("ce_id", "evt-1", "ce_type", "com.example.order.created", "ce_source", "/shop",
                "ce_specversion", "1.0", "content-type", "application/json");
    }

    @Test
    void binaryCloudEventAttributesBecomeCeHeaders() {
        Map<String, String> http = HeaderMapping.toHttp(event(binaryCloudEvent()));

        assertEquals("evt-1", http.get("ce-id"));
        assertEquals("com.example.order.created", http.get("ce-type"));
        assertEquals("/shop", http.get("ce-source"));
        assertEquals("1.0", http.get("ce-specversion"));
        assertFalse(http.containsKey("ce_id"), "underscore names must not leak: " + http);
    }

    @Test
    void recordContentTypeBecomesContentType() {
        Map<String, String> http = HeaderMapping.toHttp(event(binaryCloudEvent()));

        assertEquals("application/json", http.get("Content-Type"));
        assertFalse(http.containsKey("content-type"), "content type sent twice: " + http);
    }

    @Test
    void contentTypeDefaultsToOctetStream() {
        Map<String, String> http = HeaderMapping.toHttp(event(new RecordHeaders()));

        assertEquals("application/octet-stream", http.get("Content-Type"));
    }

    @Test
    void structuredCloudEventKeepsItsContentTypeAndUsesCoordinatesAsIdempotencyKey() {
        RecordHeaders h = headers("content-type", "application/cloudevents+json; charset=utf-8",
                "ce_id", "evt-1", "ce_source", "/shop");

        Map<String, String> http = HeaderMapping.toHttp(event(h));

        assertEquals("application/cloudevents+json; charset=utf-8", http.get("Content-Type"));
        assertEquals("orders-3-42", http.get(HeaderMapping.IDEMPOTENCY_KEY));
    }

    @Test
    void idempotencyKeyOfABinaryCloudEventIsSourceAndId() {
        Map<String, String> http = HeaderMapping.toHttp(event(binaryCloudEvent()));

        assertEquals("/shop#evt-1", http.get(HeaderMapping.IDEMPOTENCY_KEY));
    }

    @Test
    void idempotencyKeyOfAPlainRecordIsTopicPartitionOffset() {
        Map<String, String> http = HeaderMapping.toHttp(event(headers("x-tenant", "acme")));

        assertEquals("orders-3-42", http.get(HeaderMapping.IDEMPOTENCY_KEY));
    }

    @Test
    void idempotencyKeyIsTheSameOnRedeliveryOfTheSameRecord() {
        Event first = event(headers("x-tenant", "acme"));
        Event redelivered = new Event("orders", 3, 42L, 1_700_000_999_000L, null, "{}".getBytes(UTF_8),
                headers("x-tenant", "acme"));
        Event ceFirst = event(binaryCloudEvent());
        Event ceRedelivered = event(binaryCloudEvent());

        assertEquals(HeaderMapping.toHttp(first).get(HeaderMapping.IDEMPOTENCY_KEY),
                HeaderMapping.toHttp(redelivered).get(HeaderMapping.IDEMPOTENCY_KEY));
        assertEquals(HeaderMapping.toHttp(ceFirst).get(HeaderMapping.IDEMPOTENCY_KEY),
                HeaderMapping.toHttp(ceRedelivered).get(HeaderMapping.IDEMPOTENCY_KEY));
    }

    @Test
    void recordIdempotencyKeyHeaderCannotOverrideTheComputedOne() {
        Map<String, String> http = HeaderMapping.toHttp(event(headers("Idempotency-Key", "forged")));

        assertEquals("orders-3-42", http.get(HeaderMapping.IDEMPOTENCY_KEY));
    }

    @Test
    void utf8KeyIsSentAsKafkaKey() {
        Map<String, String> http = HeaderMapping.toHttp(event("customer-17".getBytes(UTF_8), new RecordHeaders()));

        assertEquals("customer-17", http.get("Kafka-Key"));
        assertNull(http.get("Kafka-Key-Base64"));
    }

    @Test
    void nonUtf8KeyIsSentAsBase64() {
        byte[] key = { (byte) 0xff, (byte) 0xfe, 0x00, 0x41 };

        Map<String, String> http = HeaderMapping.toHttp(event(key, new RecordHeaders()));

        assertEquals("//4AQQ==", http.get("Kafka-Key-Base64"));
        assertEquals(Base64.getEncoder().encodeToString(key), http.get("Kafka-Key-Base64"));
        assertNull(http.get("Kafka-Key"));
    }

    @Test
    void nullKeySendsNoKeyHeader() {
        Map<String, String> http = HeaderMapping.toHttp(event(new RecordHeaders()));

        assertFalse(http.containsKey("Kafka-Key") || http.containsKey("Kafka-Key-Base64"), http.toString());
    }

    @Test
    void recordCoordinatesAreSent() {
        Map<String, String> http = HeaderMapping.toHttp(event(new RecordHeaders()));

        assertEquals("orders", http.get("Kafka-Topic"));
        assertEquals("3", http.get("Kafka-Partition"));
        assertEquals("42", http.get("Kafka-Offset"));
    }

    @Test
    void traceContextPassesThrough() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        Map<String, String> http = HeaderMapping.toHttp(event(headers("traceparent", traceparent, "tracestate", "k=v")));

        assertEquals(traceparent, http.get("traceparent"));
        assertEquals("k=v", http.get("tracestate"));
    }

    @ParameterizedTest(name = "{0} is never forwarded")
    @ValueSource(strings = { "Host", "Content-Length", "Transfer-Encoding", "Connection", "host", "CONTENT-LENGTH",
            "Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization", "Proxy-Anything", "X-Forwarded-For",
            "X-Forwarded-Host", "Forwarded", "X-Real-IP", "Cookie2" })
    void credentialHopByHopAndFramingHeadersAreNeverForwardedWhateverTheRouteNames(String name) {
        Map<String, String> http = HeaderMapping.toHttp(event(headers(name, "evil", "x-ok", "yes")), ALL);

        String lower = name.toLowerCase(Locale.ROOT);
        assertFalse(http.keySet().stream().anyMatch(k -> k.toLowerCase(Locale.ROOT).equals(lower)), http.toString());
        assertEquals("yes", http.get("x-ok"));
    }

    @ParameterizedTest(name = "value {0} is dropped")
    @ValueSource(strings = { "a\r\nX-Injected: 1", "line\nbreak", "carriage\rreturn", "caf\u00e9", "nul\u0000" })
    void headerValuesThatAreNotPlainAsciiAreDropped(String value) {
        Map<String, String> http = HeaderMapping.toHttp(event(headers("x-note", value, "ce_subject", value)), ALL);

        assertFalse(http.containsKey("x-note"), http.toString());
        assertFalse(http.containsKey("ce-subject"), http.toString());
        assertFalse(http.containsKey("X-Injected"), http.toString());
    }

    @Test
    void contentTypeWithCrLfIsDroppedInFavourOfTheDefault() {
        Map<String, String> http = HeaderMapping.toHttp(event(headers("content-type", "text/plain\r\nX-Injected: 1")));

        assertEquals("application/octet-stream", http.get("Content-Type"));
    }

    @ParameterizedTest(name = "name \"{0}\" is dropped")
    @ValueSource(strings = { "bad name", "colon:name", "x-\u00e9", "" })
    void headerNamesThatAreNotHttpTokensAreDropped(String name) {
        Map<String, String> http = HeaderMapping.toHttp(event(headers(name, "v", "x-ok", "yes")), ALL);

        assertFalse(http.containsKey(name), http.toString());
        assertEquals("yes", http.get("x-ok"));
    }

    @Test
    void plainHeadersKeepTheirNameAndValue() {
        Map<String, String> http = HeaderMapping.toHttp(event(headers("X-Tenant", "acme\ttab ok")), List.of("x-tenant"));

        assertEquals("acme\ttab ok", http.get("X-Tenant"));
    }

    @Test
    void recordHeadersAreForwardedOnlyByTheRoutesPrefixes() {
        RecordHeaders h = headers("X-Tenant-Id", "acme", "X-Other", "no", "Authorization", "Bearer stolen",
                "Cookie", "session=1", "X-Forwarded-For", "10.0.0.1", "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        Map<String, String> none = HeaderMapping.toHttp(event(h));
        Map<String, String> tenant = HeaderMapping.toHttp(event(h), List.of("x-tenant-"));

        assertFalse(none.containsKey("X-Tenant-Id"), "nothing beyond CloudEvents and trace context by default: " + none);
        assertEquals("acme", tenant.get("X-Tenant-Id"));
        for (Map<String, String> http : List.of(none, tenant)) {
            assertFalse(http.containsKey("X-Other") || http.containsKey("Authorization") || http.containsKey("Cookie")
                    || http.containsKey("X-Forwarded-For"), http.toString());
            assertEquals("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", http.get("traceparent"));
        }
    }

    @Test
    void anIdWithoutASourceIsNotTheIdempotencyKey() {
        // before: the bare ce_id "1", so two producers counting 1, 2, ... collided at the target
        Map<String, String> http = HeaderMapping.toHttp(event(headers("ce_id", "1", "ce_type", "t")));

        assertEquals("orders-3-42", http.get(HeaderMapping.IDEMPOTENCY_KEY));
    }
}
