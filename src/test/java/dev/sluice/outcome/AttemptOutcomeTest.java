package dev.sluice.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sluice.outcome.AttemptOutcome.Kind;

class AttemptOutcomeTest {

    @ParameterizedTest(name = "HTTP {0} is a success")
    @ValueSource(ints = { 200, 201, 204 })
    void twoHundredsAreSuccess(int status) {
        assertEquals(Kind.SUCCESS, AttemptOutcome.ofStatus(status, "OK", null).kind());
    }

    @ParameterizedTest(name = "HTTP {0} is retried")
    @ValueSource(ints = { 408, 429, 500, 502, 503, 504 })
    void timeoutsThrottlingAndServerErrorsAreRetriable(int status) {
        assertEquals(Kind.RETRIABLE, AttemptOutcome.ofStatus(status, null, null).kind());
    }

    @ParameterizedTest(name = "HTTP {0} is terminal")
    @ValueSource(ints = { 400, 401, 403, 404, 409, 422, 301 })
    void clientErrorsAndRedirectsAreTerminal(int status) {
        assertEquals(Kind.TERMINAL, AttemptOutcome.ofStatus(status, null, Duration.ofSeconds(5)).kind());
    }

    @ParameterizedTest(name = "HTTP {0} keeps Retry-After")
    @ValueSource(ints = { 429, 503 })
    void retriableOutcomeKeepsTheRetryAfterDelay(int status) {
        AttemptOutcome outcome = AttemptOutcome.ofStatus(status, "Slow Down", Duration.ofSeconds(7));

        assertEquals(Duration.ofSeconds(7), outcome.retryAfter());
        assertEquals(status, outcome.status());
    }

    @Test
    void reasonNamesStatusAndMessage() {
        assertEquals("HTTP 503 Service Unavailable", AttemptOutcome.ofStatus(503, "Service Unavailable", null).reason());
        assertEquals("HTTP 404", AttemptOutcome.ofStatus(404, " ", null).reason());
    }

    @Test
    void connectionErrorsAreRetriable() {
        AttemptOutcome outcome = AttemptOutcome.ofError("connection refused");

        assertEquals(Kind.RETRIABLE, outcome.kind());
        assertEquals(0, outcome.status());
    }

    /** What an adaptive limit learns from each outcome: backpressure, a latency sample, or nothing. */
    @ParameterizedTest(name = "HTTP {0}: backpressure {1}, latency sample {2}")
    @org.junit.jupiter.params.provider.CsvSource({ "200, false, true", "204, false, true", "400, false, true", "404, false, true",
            "429, true, false", "503, true, false", "504, true, false", "500, false, false", "502, false, false", "408, false, false" })
    void backpressureIsToldApartFromAnswersAndFromOtherFailures(int status, boolean backpressure, boolean answer) {
        AttemptOutcome outcome = AttemptOutcome.ofStatus(status, null, null);

        assertEquals(backpressure, outcome.isBackpressure());
        assertEquals(answer, outcome.isAnswer());
    }

    @Test
    void noAnswerAtAllIsBackpressureAndARefusedValueIsNeither() {
        assertEquals(true, AttemptOutcome.ofError("timeout after 500 ms").isBackpressure());
        assertEquals(true, AttemptOutcome.ofError("connection refused: localhost/127.0.0.1:1").isBackpressure());
        AttemptOutcome refused = AttemptOutcome.terminal("invalid-json: empty value");
        assertEquals(false, refused.isBackpressure());
        assertEquals(false, refused.isAnswer());
    }
}
