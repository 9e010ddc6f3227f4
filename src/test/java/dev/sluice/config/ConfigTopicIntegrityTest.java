package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sluice.config.ConfigTopicIntegrity.Problem;

class ConfigTopicIntegrityTest {

    @Test
    void anUnusableLatestRecordIsReportedButAPutMayRepairIt() {
        ConfigTopicIntegrity integrity = new ConfigTopicIntegrity("t");
        integrity.raise(Problem.RECORD, "offset 3: a tombstone");
        assertFalse(integrity.sound());
        assertEquals(Optional.empty(), integrity.refusal(false));
        integrity.clear(Problem.RECORD);
        assertTrue(integrity.sound());
    }

    @Test
    void aResetTopicRefusesPlainWritesAndTakesAReseed() {
        ConfigTopicIntegrity integrity = new ConfigTopicIntegrity("t");
        integrity.raise(Problem.RESET, "lost version 4");
        assertEquals(Optional.of("lost version 4"), integrity.refusal(false));
        assertEquals(Optional.empty(), integrity.refusal(true));
    }

    @Test
    void anUncompactedTopicRefusesEvenAReseed() {
        ConfigTopicIntegrity integrity = new ConfigTopicIntegrity("t");
        integrity.raise(Problem.RESET, "lost version 4");
        integrity.raise(Problem.NOT_COMPACTED, "cleanup.policy=delete");
        assertEquals(Optional.of("cleanup.policy=delete"), integrity.refusal(true));
        assertTrue(integrity.refusal(false).orElseThrow().contains("lost version 4"));
    }
}
