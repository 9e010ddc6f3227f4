package dev.sluice.route;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import dev.sluice.config.FilterAttributes;
import dev.sluice.config.RouteFilter;
import dev.sluice.deliver.JsonSyntax;
import dev.sluice.pipeline.Event;

/**
 * A record's attributes as filters see them, in the two modes of the CloudEvents Kafka protocol
 * binding. Structured mode, when the record's {@code content-type} is
 * {@code application/cloudevents+json}: the attributes are the members of the JSON object the
 * value is ({@code data} and {@code data_base64} skipped, not read into memory). Binary mode
 * otherwise: attribute {@code x} is the header {@code ce_x}, and {@code datacontenttype} the
 * {@code content-type} header. Either way {@code kafka.key} is the key and
 * {@code kafka.header.<name>} a header, both as UTF-8.
 */
final class RecordAttributes implements FilterAttributes {
    static final String STRUCTURED = "application/cloudevents+json";
    private static final String CE_HEADER = "ce_";
    /** Most members of a structured-mode event read: a value can hold many more, a filter needs a few. */
    static final int MAX_ATTRIBUTES = 256;

    /** The record cannot be read as its content type says: the filter cannot decide, and the record is dead-lettered. */
    static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    private final Event event;
    /** Structured mode: the attributes read from the value; null in binary mode. */
    private final Map<String, Object> structured;

    private RecordAttributes(Event event, Map<String, Object> structured) {
        this.event = event;
        this.structured = structured;
    }

    /** Whether the record is in structured mode (its attributes are in its value). */
    static boolean structured(Event event) {
        String contentType = event.header("content-type");
        return contentType != null
                && contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT).equals(STRUCTURED);
    }

    /** The record's attributes; in structured mode, parsing the value (CPU work proportional to its size). */
    static RecordAttributes of(Event event) throws MalformedException {
        return new RecordAttributes(event, structured(event) ? parse(event.value()) : null);
    }

    @Override
    public String text(String name) {
        Object v = typed(name);
        return v == null ? null : v.toString();
    }

    @Override
    public Object typed(String name) {
        if (name.equals(RouteFilter.KAFKA_KEY)) {
            return event.key() == null ? null : new String(event.key(), StandardCharsets.UTF_8);
        }
        if (name.startsWith(RouteFilter.KAFKA_HEADER)) {
            return event.header(name.substring(RouteFilter.KAFKA_HEADER.length()));
        }
        if (structured != null) {
            return structured.get(name);
        }
        return name.equals("datacontenttype") ? event.header("content-type") : event.header(CE_HEADER + name);
    }

    @Override
    public Set<String> extensionNames() {
        Set<String> names = new LinkedHashSet<>();
        if (structured != null) {
            structured.keySet().stream().filter(n -> !CONTEXT.contains(n)).forEach(names::add);
        } else {
            for (Header h : event.headers()) {
                String key = h.key();
                if (key.startsWith(CE_HEADER) && !CONTEXT.contains(key.substring(CE_HEADER.length()))) {
                    names.add(key.substring(CE_HEADER.length()));
                }
            }
        }
        return names;
    }

    /**
     * The members of a structured-mode event: strings as they are, integers that fit CESQL's 32 bits
     * as Integer, booleans as Boolean, other numbers as their text; null members are absent.
     */
    private static Map<String, Object> parse(byte[] value) throws MalformedException {
        if (value == null || value.length == 0) {
            throw new MalformedException("structured-mode CloudEvent without a value");
        }
        Map<String, Object> attributes = new HashMap<>();
        try (JsonParser p = JsonSyntax.parser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedException("structured-mode value is not a JSON object");
            }
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                JsonToken token = p.nextToken();
                if (field.equals("data") || field.equals("data_base64")) {
                    p.skipChildren();
                    continue;
                }
                if (attributes.size() >= MAX_ATTRIBUTES) {
                    throw new MalformedException("structured-mode CloudEvent with more than " + MAX_ATTRIBUTES + " attributes");
                }
                switch (token) {
                    case VALUE_STRING -> attributes.put(field, p.getText());
                    case VALUE_NUMBER_INT -> attributes.put(field, p.getNumberType() == JsonParser.NumberType.INT
                            ? (Object) p.getIntValue() : p.getText());
                    case VALUE_NUMBER_FLOAT -> attributes.put(field, p.getText());
                    case VALUE_TRUE, VALUE_FALSE -> attributes.put(field, p.getBooleanValue());
                    case VALUE_NULL -> attributes.remove(field);
                    default -> throw new MalformedException("structured-mode attribute '" + shown(field)
                            + "' is not a string, number or boolean");
                }
            }
            String trailing = JsonSyntax.trailing(p);
            if (trailing != null) {
                throw new MalformedException("structured-mode value is not valid JSON: " + trailing);
            }
        } catch (JsonProcessingException e) {
            throw new MalformedException("structured-mode value is not valid JSON: " + JsonSyntax.describe(e));
        } catch (IOException e) {
            throw new MalformedException("structured-mode value cannot be read: " + e.getMessage());
        }
        return attributes;
    }

    /** A member's name as a reason may quote it: short, printable. */
    private static String shown(String field) {
        String s = field.length() > 40 ? field.substring(0, 40) + "..." : field;
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
