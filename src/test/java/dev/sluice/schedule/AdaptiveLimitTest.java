package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.sluice.schedule.SimulatedTarget.Excess;
import dev.sluice.schedule.SimulatedTarget.Second;

/**
 * The adaptive limit on simulated time ({@link SimulatedTarget}): it finds a target's capacity from
 * latency alone, backs off on drops, does not drift, and follows the target when it changes.
 */
class AdaptiveLimitTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private static AdaptiveLimit startingFromOne(SimulatedTarget target, int max) {
        return new AdaptiveLimit(1, max, 1, true, target::now);
    }

    private static String describe(List<Second> seconds) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < seconds.size(); i++) {
            Second x = seconds.get(i);
            s.append(String.format("%ds: limit %.1f, %d/s, %d drops, %d at target%n", i, x.meanLimit(), x.completed(), x.drops(),
                    x.maxAtTarget()));
        }
        return s.toString();
    }

    @Test
    void findsTheCapacityOfATargetThatQueuesFromLatencyAlone() {
        SimulatedTarget target = new SimulatedTarget(40, 20, Excess.QUEUE);
        List<Second> run = target.run(startingFromOne(target, 256), 30);

        List<Second> settled = run.subList(5, 30);
        double limit = SimulatedTarget.meanLimit(settled);
        double throughput = SimulatedTarget.throughput(settled);
        System.out.printf("queueing target, capacity 40 x 20 ms: settled limit %.1f, %.0f/s of 2000/s%n", limit, throughput);
        assertTrue(limit >= 38 && limit <= 46, "settled limit " + limit + "\n" + describe(run));
        assertTrue(throughput >= 0.95 * 2000, "throughput " + throughput + "\n" + describe(run));
        assertTrue(run.get(2).meanLimit() >= 30, "found within 2 s (slow start)\n" + describe(run));
    }

    @Test
    void pausesAndJitterOnALoadedMachineAreNotMistakenForAQueue() {
        SimulatedTarget fixedTarget = new SimulatedTarget(40, 20, Excess.QUEUE).noisy(0.25, 700, 40);
        double fixed = SimulatedTarget.throughput(fixedTarget.run(new AdaptiveLimit(40, 40, 40, false, fixedTarget::now), 30)
                .subList(5, 30));
        SimulatedTarget target = new SimulatedTarget(40, 20, Excess.QUEUE).noisy(0.25, 700, 40);
        List<Second> run = target.run(startingFromOne(target, 256), 30);

        List<Second> settled = run.subList(5, 30);
        double limit = SimulatedTarget.meanLimit(settled);
        double throughput = SimulatedTarget.throughput(settled);
        System.out.printf("noisy queueing target: settled limit %.1f, %.0f/s vs %.0f/s fixed at 40%n", limit, throughput, fixed);
        assertTrue(limit >= 36 && limit <= 48, "settled limit " + limit + "\n" + describe(run));
        assertTrue(throughput >= 0.9 * fixed, "throughput " + throughput + " vs " + fixed + "\n" + describe(run));
    }

    @Test
    void backsOffOnDropsFromATargetThatRejectsTheExcess() {
        SimulatedTarget target = new SimulatedTarget(40, 20, Excess.REJECT);
        List<Second> run = target.run(startingFromOne(target, 256), 30);

        List<Second> settled = run.subList(5, 30);
        double limit = SimulatedTarget.meanLimit(settled);
        int drops = settled.stream().mapToInt(Second::drops).sum();
        int completed = settled.stream().mapToInt(Second::completed).sum();
        System.out.printf("rejecting target, capacity 40: settled limit %.1f, %d drops for %d answers%n", limit, drops, completed);
        assertTrue(limit >= 32 && limit <= 48, "settled limit " + limit + "\n" + describe(run));
        assertTrue(drops < 0.08 * completed, drops + " drops\n" + describe(run));
    }

    @Test
    void doesNotDriftOverTenMinutes() {
        SimulatedTarget target = new SimulatedTarget(40, 20, Excess.QUEUE);
        List<Second> run = target.run(startingFromOne(target, 256), 600);

        double lastMinute = SimulatedTarget.meanLimit(run.subList(540, 600));
        int highest = run.subList(60, 600).stream().mapToInt(Second::maxAtTarget).max().orElseThrow();
        assertTrue(lastMinute >= 38 && lastMinute <= 46, "limit in the 10th minute " + lastMinute);
        // the 1.25 probe of each cycle puts up to 1.25 x (40 + the ~2 on their way) at the target
        assertTrue(highest <= 56, "most requests at the target at once after the first minute: " + highest);
    }

    @Test
    void followsTheTargetWhenItsCapacityDoubles() {
        SimulatedTarget target = new SimulatedTarget(t -> t < TimeUnit.SECONDS.toNanos(15) ? 40 : 80, t -> 20 * MS, Excess.QUEUE);
        List<Second> run = target.run(startingFromOne(target, 256), 30);

        double after = SimulatedTarget.meanLimit(run.subList(20, 30));
        assertTrue(after >= 76 && after <= 92, "limit after the capacity doubled " + after + "\n" + describe(run));
    }

    @Test
    void aSlowerTargetIsNotMistakenForAQueue() {
        // service time doubles at 15 s: the capacity in requests at once is still 40, the baseline moves
        SimulatedTarget target = new SimulatedTarget(t -> 40, t -> t < TimeUnit.SECONDS.toNanos(15) ? 20 * MS : 40 * MS,
                Excess.QUEUE);
        List<Second> run = target.run(startingFromOne(target, 256), 30);

        double lowest = run.subList(15, 30).stream().mapToDouble(Second::meanLimit).min().orElseThrow();
        double after = SimulatedTarget.meanLimit(run.subList(20, 30));
        assertTrue(lowest >= 15, "limit fell to " + lowest + "\n" + describe(run));
        assertTrue(after >= 36 && after <= 46, "limit after the target slowed down " + after + "\n" + describe(run));
    }

    @Test
    void staysWithinItsBoundsAndIsClampedWhenTheyChange() {
        SimulatedTarget target = new SimulatedTarget(40, 20, Excess.QUEUE);
        AdaptiveLimit limit = new AdaptiveLimit(50, 60, 55, false, target::now);
        List<Second> run = target.run(limit, 10);

        assertTrue(run.stream().allMatch(s -> s.meanLimit() >= 50 && s.meanLimit() <= 60), describe(run));
        assertTrue(limit.bounds(1, 20));
        assertEquals(20, limit.limit());
        assertFalse(limit.bounds(1, 30), "raising max does not raise the limit by itself");
        assertEquals(20, limit.limit());
    }

    @Test
    void doesNotGrowWhileTheTrafficNotTheLimitHoldsTheRouteBack() {
        AtomicLong clock = new AtomicLong();
        AdaptiveLimit limit = new AdaptiveLimit(1, 256, 10, false, clock::get);
        for (int i = 0; i < 1000; i++) {
            clock.addAndGet(5 * MS);
            limit.onSample(20 * MS, 3, false);
        }
        assertEquals(10, limit.limit());
    }

    /**
     * One 100 ms window: {@code drops} drops, then {@code answers} answers at {@code rttMs}, evenly
     * spread; its last sample closes it (the first sample of all opens the first window).
     */
    private static void window(AtomicLong clock, AdaptiveLimit limit, int answers, long rttMs, int inFlight, int drops) {
        long step = (100 * MS + answers + drops - 1) / (answers + drops);
        for (int i = 0; i < answers + drops; i++) {
            clock.addAndGet(step);
            limit.onSample(rttMs * MS, inFlight, i < drops);
        }
    }

    @Test
    void startupDoublesEachWindowWhileTheRateGrowsThenDrainsToTheCapacity() {
        AtomicLong clock = new AtomicLong();
        AdaptiveLimit limit = new AdaptiveLimit(1, 256, 1, true, clock::get);
        limit.onSample(20 * MS, 1, false); // the first answer opens the first window
        int[] seen = new int[6];
        for (int w = 0; w < 6; w++) {
            // the limit fully used, each request 20 ms: 5 answers per request per window
            int l = limit.limit();
            window(clock, limit, 5 * l, 20, l, 0);
            seen[w] = limit.limit();
        }
        assertEquals("[2, 4, 8, 16, 32, 64]", java.util.Arrays.toString(seen));

        // 64 allowed, but only 36 served at once: the rate grows by less than 25 %, and the round trip
        // grows with the queue; one such window could be a pause, the second ends startup
        window(clock, limit, 180, 35, 64, 0);
        assertEquals(64, limit.limit());
        window(clock, limit, 180, 35, 64, 0);
        // (limits are whole: 26.99 is 26)
        assertTrue(limit.limit() >= 26 && limit.limit() <= 27, "capacity 1800/s x 20 ms = 36, drained at 0.75: " + limit.limit());
        window(clock, limit, 135, 20, 27, 0);
        assertTrue(limit.limit() >= 35 && limit.limit() <= 36, "then cruising at the capacity: " + limit.limit());
    }

    @Test
    void aDropCapsTheLimitAtNinetyPercentWhichGrowsBackByOnePerWindow() {
        AtomicLong clock = new AtomicLong();
        AdaptiveLimit limit = new AdaptiveLimit(1, 256, 40, false, clock::get);
        limit.onSample(20 * MS, 40, false);
        for (int w = 0; w < 4; w++) {
            window(clock, limit, 200, 20, 40, 0);
        }
        assertEquals(40, limit.limit());

        window(clock, limit, 190, 20, 40, 10);
        assertEquals(36, limit.limit(), "loss cap 0.9 x 40");
        window(clock, limit, 180, 20, 36, 0);
        assertEquals(37, limit.limit());
        window(clock, limit, 185, 20, 37, 0);
        assertEquals(38, limit.limit());
    }
}
