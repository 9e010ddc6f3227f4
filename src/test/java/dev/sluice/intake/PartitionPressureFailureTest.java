package dev.sluice.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;

/** A pause or resume that cannot be applied is reported, not lost: pausing is what bounds the intake. */
class PartitionPressureFailureTest {

    @Test
    void aPauseThatCannotReachThePollingThreadIsReportedAndLaterChangesStillGetThrough() {
        AtomicInteger tasks = new AtomicInteger();
        PartitionPressure pressure = TestPressure.create(2, task -> {
            tasks.incrementAndGet();
            return Uni.createFrom().failure(new IllegalStateException("consumer closed under us"));
        });
        AtomicReference<Throwable> reported = new AtomicReference<>();
        pressure.onFailure(reported::set);

        // two records of partition 0 waiting behind their lane: it is held back, a pause is queued
        pressure.waiting("t", 0);
        pressure.waiting("t", 0);

        assertNotNull(reported.get(), "before: logged at WARN only, and the intake went on unbounded");
        assertTrue(reported.get().getMessage().contains("consumer closed under us"));
        // before: the 'task queued' flag stayed set, so no later pause or resume was ever sent
        pressure.doneWaiting("t", 0);
        pressure.doneWaiting("t", 0);
        assertEquals(2, tasks.get(), "the release was sent to the polling thread too");
    }
}
