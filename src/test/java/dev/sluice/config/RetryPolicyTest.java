package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.DoubleSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {
    private static final DoubleSupplier NO_JITTER = () -> 0.0;
    private static final DoubleSupplier MAX_JITTER = () -> Math.nextDown(1.0);

    private static RetryPolicy policy(long initialMs, long maxMs, double jitter) {
        return new RetryPolicy(10, Duration.ofMillis(initialMs), Duration.ofMillis(maxMs), jitter);
    }

    @ParameterizedTest(name = "after {0} failed attempt(s) wait {1} ms")
    @CsvSource({
            "1, 100",
            "2, 200",
            "3, 400",
            "4, 800",
            "5, 1600",
            "6, 3200",
    })
    void backoffDoublesFromTheInitialDelay(int failedAttempts, long expectedMs) {
        RetryPolicy p = policy(100, 60_000, 0.0);

        assertEquals(Duration.ofMillis(expectedMs), p.backoff(failedAttempts, null, NO_JITTER));
    }

    @ParameterizedTest(name = "after {0} failed attempt(s) wait {1} ms")
    @CsvSource({
            "3, 400",
            "4, 800",
            "5, 1000",
            "6, 1000",
            "20, 1000",
    })
    void backoffDoublesUntilTheCap(int failedAttempts, long expectedMs) {
        RetryPolicy p = policy(100, 1_000, 0.0);

        assertEquals(Duration.ofMillis(expectedMs), p.backoff(failedAttempts, null, NO_JITTER));
    }

    @ParameterizedTest(name = "attempt {0} stays at the cap")
    @ValueSource(ints = { 31, 32, 33, 63, 64, 65, 1_000, Integer.MAX_VALUE })
    void hugeAttemptNumbersStayAtTheCapWithoutOverflowing(int failedAttempts) {
        RetryPolicy p = new RetryPolicy(10, Duration.ofSeconds(1), Duration.ofHours(1), 0.0);

        assertEquals(Duration.ofHours(1), p.backoff(failedAttempts, null, NO_JITTER));
    }

    @Test
    void initialBackoffAboveACapIsCappedFromTheFirstRetry() {
        RetryPolicy p = policy(5_000, 1_000, 0.0);

        assertEquals(Duration.ofMillis(1_000), p.backoff(1, null, NO_JITTER));
    }

    @Test
    void jitterWithRandomZeroKeepsTheFullDelay() {
        RetryPolicy p = policy(1_000, 60_000, 0.5);

        assertEquals(Duration.ofMillis(2_000), p.backoff(2, null, NO_JITTER));
    }

    @Test
    void jitterTakesOffAtMostItsFractionOfTheDelay() {
        RetryPolicy p = policy(1_000, 60_000, 0.25);

        long ms = p.backoff(2, null, MAX_JITTER).toMillis();

        // 2000 ms with at most a quarter taken off: never below 1500 ms, and close to it
        assertTrue(ms >= 1_500 && ms <= 1_501, "delay was " + ms);
    }

    @Test
    void jitterNeverPushesACappedDelayAboveTheCap() {
        RetryPolicy p = policy(1_000, 3_000, 0.5);

        for (double r : new double[] { 0.0, 0.3, 0.7, Math.nextDown(1.0) }) {
            long ms = p.backoff(10, null, () -> r).toMillis();
            assertTrue(ms <= 3_000 && ms >= 1_500, "random " + r + " gave " + ms);
        }
    }

    @Test
    void fullJitterCanGoDownToAlmostNothingButNeverBelowZero() {
        RetryPolicy p = policy(1_000, 60_000, 1.0);

        long ms = p.backoff(1, null, MAX_JITTER).toMillis();

        assertTrue(ms >= 0 && ms <= 1, "delay was " + ms);
    }

    @Test
    void zeroJitterIsDeterministicWhateverTheRandomSource() {
        RetryPolicy p = policy(250, 60_000, 0.0);

        assertEquals(Duration.ofMillis(1_000), p.backoff(3, null, NO_JITTER));
        assertEquals(Duration.ofMillis(1_000), p.backoff(3, null, () -> 0.5));
        assertEquals(Duration.ofMillis(1_000), p.backoff(3, null, MAX_JITTER));
    }

    @Test
    void longerRetryAfterWinsOverTheComputedDelay() {
        RetryPolicy p = policy(100, 60_000, 0.0);

        assertEquals(Duration.ofSeconds(30), p.backoff(1, Duration.ofSeconds(30), NO_JITTER));
    }

    @Test
    void longerRetryAfterIsNotJittered() {
        RetryPolicy p = policy(100, 60_000, 1.0);

        assertEquals(Duration.ofSeconds(30), p.backoff(1, Duration.ofSeconds(30), MAX_JITTER));
    }

    @Test
    void retryAfterIsCappedAtMaxBackoff() {
        RetryPolicy p = policy(100, 5_000, 0.0);

        assertEquals(Duration.ofMillis(5_000), p.backoff(1, Duration.ofHours(2), NO_JITTER));
    }

    @Test
    void shorterRetryAfterDoesNotShortenTheComputedDelay() {
        RetryPolicy p = policy(1_000, 60_000, 0.0);

        assertEquals(Duration.ofMillis(4_000), p.backoff(3, Duration.ofMillis(10), NO_JITTER));
        assertEquals(Duration.ofMillis(4_000), p.backoff(3, Duration.ZERO, NO_JITTER));
    }
}
