package dev.sluice.deliver;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * Streaming JSON reading shared by the value checks: one pass over the bytes, no tree built, so
 * checking a value costs no more memory than the value itself. Jackson's default read constraints
 * apply (nesting depth 1000, number length 1000), so a value a typical JSON target would refuse
 * for them is refused here too.
 */
public final class JsonSyntax {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            // parser messages must not quote the value through the location: it goes to logs
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private JsonSyntax() {
    }

    public static JsonParser parser(byte[] value) throws IOException {
        return FACTORY.createParser(value);
    }

    /** Null when {@code value} is exactly one JSON value (whitespace around it allowed), else what is wrong. */
    static String problem(byte[] value) {
        if (value.length == 0) {
            return "empty value";
        }
        try (JsonParser p = parser(value)) {
            if (p.nextToken() == null) {
                return "no JSON value (only whitespace)";
            }
            p.skipChildren();
            return trailing(p);
        } catch (JsonProcessingException e) {
            return describe(e);
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** After the root value: null when nothing but whitespace follows, else the problem. */
    public static String trailing(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            JsonLocation at = p.currentTokenLocation();
            return "unexpected content after the JSON value at line " + at.getLineNr() + ", column " + at.getColumnNr();
        }
        return null;
    }

    /** The parser's own message with its position, without Jackson's "[Source: ...]" suffix. */
    public static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        // messages about unclosed arrays and objects embed a location with its source note
        int marker = message.indexOf(" (start marker at [Source:");
        if (marker >= 0) {
            message = message.substring(0, marker);
        }
        JsonLocation at = e.getLocation();
        return at == null ? message : message + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }
}
