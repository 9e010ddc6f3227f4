package dev.sluice.deliver;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.kafka.common.header.Header;

import dev.sluice.intake.Event;

/**
 * Maps a Kafka record to the HTTP headers of its delivery.
 *
 * <ul>
 * <li>CloudEvents binary mode: {@code ce_xxx} record headers become {@code ce-xxx} HTTP headers and
 * the record's {@code content-type} becomes Content-Type. Structured mode (content-type
 * {@code application/cloudevents+json}) passes through with its content type.</li>
 * <li>The record key: {@code Kafka-Key} (UTF-8) or {@code Kafka-Key-Base64} when not valid UTF-8.</li>
 * <li>{@code Kafka-Topic}, {@code Kafka-Partition}, {@code Kafka-Offset}: where the record came from.</li>
 * <li>{@code Idempotency-Key}: the same on every redelivery of the record: the CloudEvent id
 * (with its source) when there is one, else topic-partition-offset.</li>
 * <li>Other record headers pass through when name and value are legal HTTP (traceparent and
 * tracestate among them); hop-by-hop and framing headers never do.</li>
 * </ul>
 */
public final class HeaderMapping {
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents";
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> NEVER_FORWARDED = Set.of("host", "content-length", "connection",
            "transfer-encoding", "te", "trailer", "upgrade", "keep-alive", "proxy-connection", "proxy-authorization",
            "expect", "kafka-key", "kafka-key-base64", "kafka-topic", "kafka-partition", "kafka-offset",
            "idempotency-key");

    private HeaderMapping() {
    }

    /** HTTP headers for delivering {@code event}; keys keep their case, values are legal header values. */
    public static Map<String, String> toHttp(Event event) {
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
            } else if (!NEVER_FORWARDED.contains(lower) && TOKEN.matcher(name).matches()) {
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
        http.put(IDEMPOTENCY_KEY, ceId != null ? (ceSource != null ? ceSource + "#" : "") + ceId : event.coordinates());
        return http;
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
