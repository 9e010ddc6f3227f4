package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A rate limit that exists is valid: its constructor refuses a bad rate or burst, naming the key. */
class RateLimitTest {

    @ParameterizedTest(name = "per-second {0}, burst {1}")
    @CsvSource(delimiter = '|', value = {
            "-1     | 0      | rate-limit.per-second: must be between 0 (off) and 100000, was -1",
            "100001 | 10     | rate-limit.per-second: must be between 0 (off) and 100000, was 100001",
            "50     | 0      | rate-limit.burst: must be between 1 and 100000, was 0",
            "50     | -3     | rate-limit.burst: must be between 1 and 100000, was -3",
            "50     | 100001 | rate-limit.burst: must be between 1 and 100000, was 100001",
            "0      | 10     | rate-limit.burst: has no effect without per-second; was 10" })
    void aBadRateOrBurstIsRefusedByItsKey(int perSecond, int burst, String expected) {
        assertEquals(List.of(expected), assertThrows(InvalidConfigException.class, () -> new RateLimit(perSecond, burst))
                .problems().stream().map(ConfigProblem::toString).toList());
    }

    @ParameterizedTest(name = "per-second {0}, burst {1}")
    @CsvSource({ "1, 1", "100000, 100000", "1, 100000", "100000, 1" })
    void ratesAndBurstsAtTheirBoundsAreAccepted(int perSecond, int burst) {
        RateLimit r = new RateLimit(perSecond, burst);

        assertTrue(r.enabled());
        assertEquals(burst, r.burst());
    }

    @Test
    void offIsZeroAndZero() {
        assertEquals(new RateLimit(0, 0), RateLimit.OFF);
        assertFalse(RateLimit.OFF.enabled());
    }
}
