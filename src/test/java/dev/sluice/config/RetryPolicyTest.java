package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
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
    void initialBackoffAtTheCapStaysThereFromTheFirstRetry() {
        // above the cap it is refused (initialBackoffAboveMaxBackoffIsRefused)
        RetryPolicy p = policy(1_000, 1_000, 0.0);

        assertEquals(Duration.ofMillis(1_000), p.backoff(1, null, NO_JITTER));
        assertEquals(Duration.ofMillis(1_000), p.backoff(5, null, NO_JITTER));
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

    private static List<String> refused(int attempts, Duration initial, Duration max, double jitter) {
        return assertThrows(InvalidConfigException.class, () -> new RetryPolicy(attempts, initial, max, jitter)).problems()
                .stream().map(ConfigProblem::toString).toList();
    }

    private static Duration ms(long ms) {
        return Duration.ofMillis(ms);
    }

    @Test
    void attemptsOutsideOneToAHundredAreRefusedByTheirKey() {
        assertEquals(List.of("retry.max-attempts: must be between 1 and 100, was 0"), refused(0, ms(100), ms(1_000), 0.5));
        assertEquals(List.of("retry.max-attempts: must be between 1 and 100, was 101"), refused(101, ms(100), ms(1_000), 0.5));
    }

    @Test
    void backoffsOutsideOneMillisecondToAnHourAreRefusedByTheirKey() {
        assertEquals(List.of("retry.initial-backoff: must be between PT0.001S and PT1H, was PT0S"),
                refused(3, Duration.ZERO, ms(1_000), 0.5));
        assertEquals(List.of("retry.max-backoff: must be between PT0.001S and PT1H, was PT1H0.001S"),
                refused(3, ms(100), Duration.ofHours(1).plusMillis(1), 0.5));
        assertEquals(List.of("retry.initial-backoff: is required", "retry.max-backoff: is required"),
                refused(3, null, null, 0.5));
    }

    @Test
    void initialBackoffAboveMaxBackoffIsRefused() {
        assertEquals(List.of("retry.initial-backoff: must not exceed max-backoff"), refused(3, ms(2_000), ms(1_000), 0.5));
    }

    @ParameterizedTest(name = "jitter {0} is refused")
    @ValueSource(doubles = { -0.1, 1.01, 1.5, Double.NaN, Double.POSITIVE_INFINITY })
    void jitterOutsideZeroToOneIsRefusedByItsKey(double jitter) {
        assertEquals(List.of("retry.jitter: must be between 0 and 1, was " + jitter), refused(3, ms(100), ms(1_000), jitter));
    }

    @Test
    void everyRefusedFieldIsListedNotOnlyTheFirst() {
        assertEquals(List.of("retry.max-attempts", "retry.initial-backoff", "retry.jitter"),
                assertThrows(InvalidConfigException.class, () -> new RetryPolicy(0, ms(5_000), ms(1_000), 2.0)).problems()
                        .stream().map(ConfigProblem::field).toList());
    }

    @Test
    void valuesAtTheirBoundsAreAccepted() {
        assertEquals(1, new RetryPolicy(1, ms(1), ms(1), 0.0).maxAttempts());
        assertEquals(100, new RetryPolicy(100, Duration.ofHours(1), Duration.ofHours(1), 1.0).maxAttempts());
    }
}
