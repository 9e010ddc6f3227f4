package dev.sluice.deliver.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {
    /** Wed, 21 Oct 2015 07:28:00 GMT, the RFC's example date. */
    private static final Clock NOW = Clock.fixed(Instant.parse("2015-10-21T07:28:00Z"), ZoneOffset.UTC);

    @ParameterizedTest(name = "\"{0}\" means {1} s")
    @CsvSource(delimiter = '|', value = {
            "0|0",
            "1|1",
            "120|120",
            "' 30 '|30",
    })
    void delaySecondsAreReadAsSeconds(String header, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), RetryAfter.parse(header, NOW));
    }

    @Test
    void absurdlyLongDelaysAreCappedAtADay() {
        assertEquals(Duration.ofDays(1), RetryAfter.parse("999999999", NOW));
    }

    @Test
    void httpDateInTheFutureIsTheTimeUntilThen() {
        assertEquals(Duration.ofSeconds(90), RetryAfter.parse("Wed, 21 Oct 2015 07:29:30 GMT", NOW));
    }

    @Test
    void httpDateInThePastMeansRetryNow() {
        assertEquals(Duration.ZERO, RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", NOW));
    }

    @ParameterizedTest(name = "\"{0}\" is ignored")
    @NullSource
    @ValueSource(strings = { "", "   ", "-5", "soon", "1.5", "2015-10-21T07:29:30Z", "Wed, 32 Oct 2015 07:29:30 GMT" })
    void unreadableValuesAreIgnored(String header) {
        assertNull(RetryAfter.parse(header, NOW));
    }
}
