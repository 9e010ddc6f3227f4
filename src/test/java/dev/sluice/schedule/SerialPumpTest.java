package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class SerialPumpTest {

    @Test
    void aStepThatThrowsIsReportedAndThePumpRunsAgainWhenAsked() {
        // before: the intake's pump kept its counter up after an exception and never ran again
        AtomicInteger runs = new AtomicInteger();
        List<Throwable> reported = new ArrayList<>();
        SerialPump pump = new SerialPump(() -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("broken staging");
            }
        }, reported::add);

        pump.run();
        pump.run();

        assertEquals(1, reported.size());
        assertTrue(reported.get(0).getMessage().contains("broken staging"));
        assertEquals(2, runs.get(), "the second request ran the step");
    }

    @Test
    void aRequestWhileTheStepRunsMakesItRunOnceMoreNotConcurrently() {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger depth = new AtomicInteger();
        SerialPump[] pump = new SerialPump[1];
        pump[0] = new SerialPump(() -> {
            assertEquals(1, depth.incrementAndGet(), "never two at once");
            if (runs.incrementAndGet() < 3) {
                pump[0].run(); // as a permit freed during the step would
            }
            depth.decrementAndGet();
        }, t -> {
            throw new AssertionError(t);
        });

        pump[0].run();

        assertEquals(3, runs.get());
    }
}
