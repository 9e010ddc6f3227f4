package dev.sluice.deliver;

import static dev.sluice.deliver.Values.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonValueCheckTest {
    private final JsonValueCheck check = new JsonValueCheck();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "{}", "[]", "{\"id\":\"A-1\",\"items\":[1,2.5,true,null,{\"x\":\"y\"}]}", "\"just a string\"",
            "42", "-1.5e10", "true", "null", "  {\"padded\":1}\n\t", "{\"unicode\":\"\u00e9\u20ac\ud83d\ude00\"}" })
    void wellFormedJsonIsAccepted(String value) {
        assertEquals(Optional.empty(), check.refusal(event(value)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "truncated object   | {\"id\":\"A-1\"                 | invalid-json: Unexpected end-of-input: expected close marker for Object at line 1, column 12",
            "plain text         | not json                       | invalid-json: Unrecognized token 'not': was expecting",
            "trailing garbage   | {\"a\":1} [                    | invalid-json: unexpected content after the JSON value at line 1, column 9",
            "two values         | {} {}                          | invalid-json: unexpected content after the JSON value at line 1, column 4",
            "single quotes      | {'a':1}                        | invalid-json: Unexpected character (''' (code 39)): was expecting double-quote",
            "trailing comma     | [1,2,]                         | invalid-json: Unexpected character (']' (code 93))",
            "only whitespace    | '   '                          | invalid-json: no JSON value (only whitespace)" })
    void malformedJsonIsRefusedWithTheParserMessage(String defect, String value, String expectedStart) {
        String reason = check.refusal(event(value)).orElseThrow();
        assertTrue(reason.startsWith(expectedStart), reason);
        assertTrue(reason.length() <= ValueCheck.MAX_REASON_CHARS, reason);
        assertTrue(!reason.contains("Source:"), "no Jackson source note: " + reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty | invalid-json: empty value",
            "tombstone | invalid-json: no value (tombstone)" })
    void emptyValuesAreRefused(String kind, String expected) {
        byte[] value = kind.equals("empty") ? new byte[0] : null;
        assertEquals(Optional.of(expected), check.refusal(event(value)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "invalid UTF-8", "nesting beyond 1000" })
    void valuesATypicalJsonTargetWouldRejectAreRefused(String defect) {
        byte[] value = defect.startsWith("invalid")
                ? new byte[] { '"', (byte) 0xC3, (byte) 0x28, '"' }
                : ("[".repeat(1001) + "]".repeat(1001)).getBytes(StandardCharsets.UTF_8);
        String reason = check.refusal(event(value)).orElseThrow();
        assertTrue(reason.startsWith("invalid-json: "), reason);
    }

    @ParameterizedTest(name = "{0} quoted characters")
    @ValueSource(ints = { 10_000 })
    void aLongTokenDoesNotMakeALongReason(int length) {
        String reason = check.refusal(event("x".repeat(length))).orElseThrow();
        assertTrue(reason.length() <= ValueCheck.MAX_REASON_CHARS, reason.length() + " chars");
        assertTrue(reason.endsWith("..."), reason);
    }
}
