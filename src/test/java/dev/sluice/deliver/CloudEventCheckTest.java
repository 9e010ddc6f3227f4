package dev.sluice.deliver;

import static dev.sluice.deliver.Values.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CloudEventCheckTest {
    private static final String STRUCTURED = "application/cloudevents+json";
    private final CloudEventCheck check = new CloudEventCheck();

    @Test
    void binaryModeWithTheFourRequiredHeadersIsAccepted() {
        assertEquals(Optional.empty(), check.refusal(event("any bytes, not JSON", "ce_specversion", "1.0", "ce_id", "A-1",
                "ce_source", "/orders", "ce_type", "order.created", "content-type", "text/plain")));
    }

    @Test
    void binaryModeWithoutDataIsAccepted() {
        assertEquals(Optional.empty(), check.refusal(event((String) null, "ce_specversion", "1.0", "ce_id", "A-1",
                "ce_source", "/orders", "ce_type", "order.created")));
    }

    @Test
    void binaryModeNamesEveryMissingHeader() {
        assertEquals(Optional.of("not-a-cloudevent: missing ce_id"), check.refusal(event("{}", "ce_specversion", "1.0",
                "ce_source", "/orders", "ce_type", "order.created")));
        assertEquals(Optional.of("not-a-cloudevent: missing ce_source, ce_type"),
                check.refusal(event("{}", "ce_specversion", "1.0", "ce_id", "A-1", "ce_source", "")));
        assertEquals(Optional.of("not-a-cloudevent: missing ce_specversion, ce_id, ce_source, ce_type"),
                check.refusal(event("{\"id\":\"A-1\"}", "content-type", "application/json")));
    }

    @Test
    void headerNamesAreMatchedInAnyCase() {
        assertEquals(Optional.empty(), check.refusal(event("x", "CE_SPECVERSION", "1.0", "Ce_Id", "A-1",
                "ce_source", "/orders", "ce_type", "order.created")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "application/cloudevents+json",
            "application/cloudevents+json; charset=UTF-8",
            "Application/CloudEvents+JSON" })
    void structuredModeWithTheFourRequiredAttributesIsAccepted(String contentType) {
        assertEquals(Optional.empty(), check.refusal(event("{\"specversion\":\"1.0\",\"id\":\"A-1\",\"source\":\"/orders\","
                + "\"type\":\"order.created\",\"data\":{\"nested\":{\"id\":5}},\"extension\":[1,2]}", "content-type", contentType)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing source       | {\"specversion\":\"1.0\",\"id\":\"A-1\",\"type\":\"t\"}        | not-a-cloudevent: missing source",
            "id not a string      | {\"specversion\":\"1.0\",\"id\":7,\"source\":\"/s\",\"type\":\"t\"} | not-a-cloudevent: missing id",
            "empty type           | {\"specversion\":\"1.0\",\"id\":\"A\",\"source\":\"/s\",\"type\":\"\"} | not-a-cloudevent: missing type",
            "only nested ones     | {\"data\":{\"specversion\":\"1.0\",\"id\":\"A\",\"source\":\"/s\",\"type\":\"t\"}} | not-a-cloudevent: missing specversion, id, source, type",
            "an array             | [{\"specversion\":\"1.0\"}]                                  | not-a-cloudevent: structured mode value is not a JSON object",
            "a string             | \"event\"                                                   | not-a-cloudevent: structured mode value is not a JSON object",
            "truncated            | {\"specversion\":\"1.0\",\"id\":                            | not-a-cloudevent: invalid JSON: Unexpected end-of-input",
            "trailing content     | {\"specversion\":\"1.0\",\"id\":\"A\",\"source\":\"/s\",\"type\":\"t\"} {} | not-a-cloudevent: invalid JSON: unexpected content after the JSON value" })
    void structuredModeIsRefusedWithWhatIsWrong(String defect, String value, String expectedStart) {
        String reason = check.refusal(event(value, "content-type", STRUCTURED)).orElseThrow();
        assertTrue(reason.startsWith(expectedStart), reason);
    }

    @Test
    void structuredModeWithoutAValueIsRefused() {
        assertEquals(Optional.of("not-a-cloudevent: structured mode without a value"),
                check.refusal(event((String) null, "content-type", STRUCTURED)));
    }

    @Test
    void structuredModeIsJudgedByItsBodyEvenWithBinaryHeaders() {
        // the content type says structured: headers cannot stand in for a broken body
        String reason = check.refusal(event("not json", "content-type", STRUCTURED, "ce_specversion", "1.0", "ce_id", "A",
                "ce_source", "/s", "ce_type", "t")).orElseThrow();
        assertTrue(reason.startsWith("not-a-cloudevent: invalid JSON: "), reason);
    }

    @Test
    void otherStructuredFormatsAreRefused() {
        assertEquals(Optional.of("not-a-cloudevent: unsupported structured format 'application/cloudevents-batch+json' "
                + "(only application/cloudevents+json)"),
                check.refusal(event("[]", "content-type", "application/cloudevents-batch+json")));
    }
}
