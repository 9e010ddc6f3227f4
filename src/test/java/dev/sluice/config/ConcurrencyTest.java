package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.sluice.config.Concurrency.Mode;

/** A concurrency that exists is valid: its constructor refuses bad bounds, naming the key. */
class ConcurrencyTest {

    private static List<String> refused(Mode mode, int min, int max) {
        return assertThrows(InvalidConfigException.class, () -> new Concurrency(mode, min, max)).problems().stream()
                .map(ConfigProblem::toString).toList();
    }

    @ParameterizedTest(name = "{0}: min {1}, max {2}")
    @CsvSource(delimiter = '|', value = {
            "ADAPTIVE | 0     | 8    | adaptive.min: must be between 1 and 4096, was 0",
            "FIXED    | 0     | 8    | adaptive.min: must be between 1 and 4096, was 0",
            "ADAPTIVE | 4097  | 4096 | adaptive.min: must be between 1 and 4096, was 4097",
            "ADAPTIVE | 1     | 0    | adaptive.max: must be between 1 and 4096, was 0",
            "FIXED    | 1     | 4097 | adaptive.max: must be between 1 and 4096, was 4097",
            "ADAPTIVE | 10    | 5    | adaptive.min: must not exceed adaptive.max (5), was 10",
            "FIXED    | 10    | 5    | adaptive.min: must not exceed adaptive.max (5), was 10" })
    void boundsOutOfRangeOrCrossedAreRefusedInEitherMode(Mode mode, int min, int max, String expected) {
        assertEquals(List.of(expected), refused(mode, min, max));
    }

    @Test
    void aMissingModeIsRefused() {
        assertEquals(List.of("concurrency: is required (one of fixed, adaptive)"), refused(null, 1, 8));
    }

    @Test
    void everyRefusedFieldIsListedNotOnlyTheFirst() {
        assertEquals(List.of("concurrency: is required (one of fixed, adaptive)",
                "adaptive.min: must be between 1 and 4096, was 0", "adaptive.max: must be between 1 and 4096, was 5000"),
                refused(null, 0, 5000));
    }

    @Test
    void aFixedLimitOutsideTheCeilingIsRefusedAsTheDefaultAdaptiveMax() {
        assertEquals(List.of("adaptive.max: must be between 1 and 4096, was 0"),
                assertThrows(InvalidConfigException.class, () -> Concurrency.fixed(0)).problems().stream()
                        .map(ConfigProblem::toString).toList());
    }

    @ParameterizedTest(name = "{0}: min {1}, max {2}")
    @CsvSource({ "ADAPTIVE, 1, 1", "ADAPTIVE, 4096, 4096", "FIXED, 1, 4096", "ADAPTIVE, 7, 7" })
    void boundsAtTheirLimitsAndEqualAreAccepted(Mode mode, int min, int max) {
        Concurrency c = new Concurrency(mode, min, max);

        assertEquals(min, c.adaptiveMin());
        assertEquals(max, c.adaptiveMax());
    }
}
