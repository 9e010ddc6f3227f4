package dev.sluice.deliver.http;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.kafka.common.header.Header;

import dev.sluice.pipeline.Event;

/**
 * Maps a Kafka record to the HTTP headers of its delivery. Anyone who can write to a source topic
 * chooses the record's headers, so they are forwarded by an allow-list, never wholesale:
 *
 * <ul>
 * <li>CloudEvents binary mode: {@code ce_xxx} record headers become {@code ce-xxx} HTTP headers and
 * the record's {@code content-type} becomes Content-Type. Structured mode (content-type
 * {@code application/cloudevents+json}) passes through with its content type.</li>
 * <li>{@code traceparent} and {@code tracestate} (W3C trace context).</li>
 * <li>Headers whose name starts with one of the route's {@code forward-headers} prefixes
 * (case-insensitive), e.g. {@code x-tenant-}.</li>
 * <li>Never, whatever the prefixes: credentials ({@code Authorization}, {@code Cookie},
 * {@code Proxy-*}, {@code X-Api-Key}, {@code Api-Key}, the Standard Webhooks {@code webhook-*}
 * headers), {@code Host}, hop-by-hop and framing headers, client-address headers
 * ({@code Forwarded}, {@code X-Forwarded-*}, {@code X-Real-IP}), the headers Sluice sets itself,
 * and those the route sets from its secrets ({@code target.headers}): a record can neither
 * replace a route's credential nor bring its own.</li>
 * <li>Set by Sluice: the record key as {@code Kafka-Key} (UTF-8) or {@code Kafka-Key-Base64} when not
 * valid UTF-8; {@code Kafka-Topic}, {@code Kafka-Partition}, {@code Kafka-Offset}: where the record
 * came from; {@code Idempotency-Key}: the same on every redelivery of the record: the CloudEvent's
 * source and id when it has both (together they identify an event), else topic-partition-offset.</li>
 * </ul>
 * Names must be HTTP tokens and values visible ASCII, else the header is dropped.
 */
public final class HeaderMapping {
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents";
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> TRACE_CONTEXT = Set.of("traceparent", "tracestate");
    private static final Set<String> NEVER_FORWARDED = Set.of("authorization", "cookie", "cookie2", "set-cookie",
            "host", "content-length", "connection", "transfer-encoding", "te", "trailer", "upgrade", "keep-alive",
            "expect", "forwarded", "x-real-ip", "kafka-key", "kafka-key-base64", "kafka-topic", "kafka-partition",
            "kafka-offset", "idempotency-key", "x-api-key", "api-key", "webhook-id", "webhook-timestamp", "webhook-signature");
    private static final List<String> NEVER_FORWARDED_PREFIXES = List.of("proxy-", "x-forwarded-");

    private HeaderMapping() {
    }

    /** As {@link #toHttp(Event, List)} with no forwarded prefixes. */
    public static Map<String, String> toHttp(Event event) {
        return toHttp(event, List.of());
    }

    /**
     * HTTP headers for delivering {@code event}; {@code forwardPrefixes} are the route's
     * lower-case header-name prefixes to pass through. Keys keep their case, values are legal.
     */
    public static Map<String, String> toHttp(Event event, List<String> forwardPrefixes) {
        return toHttp(event, forwardPrefixes, Set.of());
    }

    /**
     * As {@link #toHttp(Event, List)}, never forwarding a record header named in {@code withheld}
     * (lower case): the headers the route sets itself.
     */
    public static Map<String, String> toHttp(Event event, List<String> forwardPrefixes, Set<String> withheld) {
        Map<String, String> http = new LinkedHashMap<>();
        String contentType = null;
        String ceId = null;
        String ceSource = null;
        for (Header h : event.headers()) {
            String name = h.key();
            String value = utf8OrNull(h.value());
            if (name == null || value == null || !legalValue(value)) {
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("content-type") || (lower.equals("ce_datacontenttype") && contentType == null)) {
                contentType = value;
            } else if (lower.startsWith("ce_")) {
                String attr = lower.substring(3);
                if (TOKEN.matcher(attr).matches()) {
                    http.put("ce-" + attr, value);
                    if (attr.equals("id")) {
                        ceId = value;
                    } else if (attr.equals("source")) {
                        ceSource = value;
                    }
                }
            } else if ((TRACE_CONTEXT.contains(lower) || startsWithAny(lower, forwardPrefixes))
                    && !neverForwarded(lower) && !withheld.contains(lower) && TOKEN.matcher(name).matches()) {
                http.put(name, value);
            }
        }
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(STRUCTURED_CONTENT_TYPE)) {
            // structured mode: the body is the whole event; ids live inside it and the
            // coordinates are the stable idempotency key
            ceId = null;
        }
        http.put("Content-Type", contentType != null ? contentType : "application/octet-stream");
        if (event.key() != null) {
            String key = utf8OrNull(event.key());
            if (key != null && legalValue(key)) {
                http.put("Kafka-Key", key);
            } else {
                http.put("Kafka-Key-Base64", Base64.getEncoder().encodeToString(event.key()));
            }
        }
        http.put("Kafka-Topic", event.topic());
        http.put("Kafka-Partition", String.valueOf(event.partition()));
        http.put("Kafka-Offset", String.valueOf(event.offset()));
        // an id alone is unique only within its source: two producers both counting 1, 2, ... would
        // collide at a target that deduplicates, so without a source the coordinates are the key
        http.put(IDEMPOTENCY_KEY, ceId != null && ceSource != null ? ceSource + "#" + ceId : event.coordinates());
        return http;
    }

    /** True for a lower-case header name that is never forwarded, whatever a route's prefixes say. */
    public static boolean neverForwarded(String lowerName) {
        return NEVER_FORWARDED.contains(lowerName) || startsWithAny(lowerName, NEVER_FORWARDED_PREFIXES);
    }

    private static boolean startsWithAny(String lower, List<String> prefixes) {
        for (int i = 0; i < prefixes.size(); i++) {
            if (lower.startsWith(prefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** Visible ASCII, spaces and tabs only: anything else could split or corrupt the request head. */
    static boolean legalValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    static String utf8OrNull(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
