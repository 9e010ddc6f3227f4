package dev.sluice.deliver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import dev.sluice.pipeline.Event;

/**
 * {@code expects = cloudevents}: the record is a CloudEvent in one of the two modes of the
 * CloudEvents Kafka protocol binding.
 * <ul>
 * <li>Structured mode, when the record's {@code content-type} is {@code application/cloudevents+json}
 * (parameters allowed): the value is a JSON object whose {@code specversion}, {@code id},
 * {@code source} and {@code type} are non-empty strings (an attribute of another type counts as
 * missing).</li>
 * <li>Binary mode otherwise: the headers {@code ce_specversion}, {@code ce_id}, {@code ce_source}
 * and {@code ce_type} are present and not empty; the value is the event's data, any bytes or none.</li>
 * </ul>
 * Other structured formats ({@code application/cloudevents-batch+json}, {@code +avro}, ...) are refused:
 * Sluice delivers one event per request and reads only JSON.
 */
final class CloudEventCheck implements ValueCheck {
    static final String REASON = "not-a-cloudevent: ";
    private static final String STRUCTURED_PREFIX = "application/cloudevents";
    private static final String STRUCTURED_JSON = "application/cloudevents+json";
    private static final List<String> REQUIRED = List.of("specversion", "id", "source", "type");

    @Override
    public Optional<String> refusal(Event event) {
        String contentType = lastHeader(event, "content-type");
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (mediaType.equals(STRUCTURED_JSON)) {
            return structured(event.value()).map(problem -> REASON + problem).flatMap(ValueCheck::refused);
        }
        if (mediaType.startsWith(STRUCTURED_PREFIX)) {
            return ValueCheck.refused(REASON + "unsupported structured format '" + mediaType + "' (only "
                    + STRUCTURED_JSON + ")");
        }
        List<String> missing = new ArrayList<>();
        for (String attribute : REQUIRED) {
            String value = lastHeader(event, "ce_" + attribute);
            if (value == null || value.isEmpty()) {
                missing.add("ce_" + attribute);
            }
        }
        return missing.isEmpty() ? Optional.empty() : ValueCheck.refused(REASON + "missing " + String.join(", ", missing));
    }

    private static Optional<String> structured(byte[] value) {
        if (value == null || value.length == 0) {
            return Optional.of("structured mode without a value");
        }
        try (JsonParser p = JsonSyntax.parser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.of("structured mode value is not a JSON object");
            }
            Set<String> present = new LinkedHashSet<>();
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                JsonToken token = p.nextToken();
                if (token == JsonToken.VALUE_STRING && REQUIRED.contains(field) && !p.getText().isEmpty()) {
                    present.add(field);
                }
                p.skipChildren();
            }
            String trailing = JsonSyntax.trailing(p);
            if (trailing != null) {
                return Optional.of("invalid JSON: " + trailing);
            }
            List<String> missing = REQUIRED.stream().filter(a -> !present.contains(a)).toList();
            return missing.isEmpty() ? Optional.empty() : Optional.of("missing " + String.join(", ", missing));
        } catch (JsonProcessingException e) {
            return Optional.of("invalid JSON: " + JsonSyntax.describe(e));
        } catch (IOException e) {
            return Optional.of("invalid JSON: " + e.getMessage());
        }
    }

    /** The last header of that name, any case, as UTF-8; null when absent. */
    private static String lastHeader(Event event, String name) {
        String found = null;
        for (Header h : event.headers()) {
            if (h.key() != null && h.key().equalsIgnoreCase(name)) {
                found = h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return found;
    }
}
