package dev.sluice.schedule;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * A closed-loop model, on simulated time, of a route with endless work in front of an
 * {@link AdaptiveLimit} and a target that serves {@code capacity} requests at once, each for a
 * fixed service time, and either queues the rest (FIFO) or rejects them at once with a drop (a
 * 429). Each request also spends a seeded random 0-2 ms on the way (client and network), and one
 * in a hundred 10 ms more. Capacity and service time may change with time. A noisy machine can be
 * added ({@link #noisy}): service times up to a quarter longer, and pauses that stop everything
 * (a garbage collection of the JVM all of it runs in).
 */
final class SimulatedTarget {
    enum Excess {
        QUEUE, REJECT
    }

    /** What one simulated second looked like. */
    record Second(double meanLimit, int completed, int drops, int maxAtTarget) {
    }

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final LongFunction<Integer> capacityAt;
    private final LongFunction<Long> serviceNanosAt;
    private final Excess excess;
    private final Random random = new Random(20240611);
    private long now;
    private double serviceJitter;
    private long pauseEvery;
    private long pauseLength;

    SimulatedTarget(LongFunction<Integer> capacityAt, LongFunction<Long> serviceNanosAt, Excess excess) {
        this.capacityAt = capacityAt;
        this.serviceNanosAt = serviceNanosAt;
        this.excess = excess;
    }

    SimulatedTarget(int capacity, long serviceMs, Excess excess) {
        this(t -> capacity, t -> serviceMs * MS, excess);
    }

    /** Service times up to {@code jitter} longer (uniform), and a pause of {@code pauseMs} every {@code everyMs}. */
    SimulatedTarget noisy(double jitter, long everyMs, long pauseMs) {
        this.serviceJitter = jitter;
        this.pauseEvery = everyMs * MS;
        this.pauseLength = pauseMs * MS;
        return this;
    }

    /** The simulated clock, to give to the limit under test. */
    long now() {
        return now;
    }

    private enum Kind {
        ARRIVE, SERVED, REJECTED, ANSWERED
    }

    private record Request(long sent, int inFlightAtSend) {
    }

    private record Event(long at, Kind kind, Request request, boolean dropped) {
    }

    /** Runs {@code seconds} of simulated time with work always waiting; one entry per second. */
    List<Second> run(AdaptiveLimit limit, int seconds) {
        PriorityQueue<Event> events = new PriorityQueue<>(Comparator.comparingLong(Event::at));
        Deque<Request> queue = new ArrayDeque<>();
        int busy = 0;
        int inFlight = 0;
        long end = TimeUnit.SECONDS.toNanos(seconds);
        double[] limitSum = new double[seconds + 1];
        int[] samples = new int[seconds + 1];
        int[] completed = new int[seconds + 1];
        int[] drops = new int[seconds + 1];
        int[] maxAtTarget = new int[seconds + 1];
        while (now < end) {
            while (inFlight < limit.limit()) {
                inFlight++;
                events.add(new Event(now + transit(), Kind.ARRIVE, new Request(now, inFlight), false));
            }
            Event e = events.poll();
            now = e.at();
            if (pauseEvery > 0 && now % pauseEvery < pauseLength) {
                // the whole process is stopped: whatever was due happens when it resumes
                events.add(new Event(now - now % pauseEvery + pauseLength, e.kind(), e.request(), e.dropped()));
                continue;
            }
            int second = (int) (now / TimeUnit.SECONDS.toNanos(1));
            switch (e.kind()) {
                case ARRIVE -> {
                    if (busy < capacityAt.apply(now)) {
                        busy++;
                        events.add(new Event(now + service(), Kind.SERVED, e.request(), false));
                    } else if (excess == Excess.REJECT) {
                        events.add(new Event(now + MS, Kind.REJECTED, e.request(), true));
                    } else {
                        queue.add(e.request());
                    }
                    maxAtTarget[second] = Math.max(maxAtTarget[second], busy + queue.size());
                }
                case SERVED, REJECTED -> {
                    if (e.kind() == Kind.SERVED) {
                        busy--;
                        Request next = queue.poll();
                        if (next != null) {
                            busy++;
                            events.add(new Event(now + service(), Kind.SERVED, next, false));
                        }
                    }
                    events.add(new Event(now + transit(), Kind.ANSWERED, e.request(), e.dropped()));
                }
                case ANSWERED -> {
                    inFlight--;
                    limit.onSample(now - e.request().sent(), e.request().inFlightAtSend(), e.dropped());
                    if (e.dropped()) {
                        drops[second]++;
                    } else {
                        completed[second]++;
                    }
                    limitSum[second] += limit.limit();
                    samples[second]++;
                }
            }
        }
        List<Second> out = new ArrayList<>();
        for (int s = 0; s < seconds; s++) {
            out.add(new Second(samples[s] == 0 ? limit.limit() : limitSum[s] / samples[s], completed[s], drops[s], maxAtTarget[s]));
        }
        return out;
    }

    private long service() {
        return (long) (serviceNanosAt.apply(now) * (1 + serviceJitter * random.nextDouble()));
    }

    /** Half of a request's time outside the target: 0-1 ms, and one time in a hundred 5 ms more. */
    private long transit() {
        return (long) (random.nextDouble() * MS) + (random.nextInt(100) == 0 ? 5 * MS : 0);
    }

    static double meanLimit(List<Second> seconds) {
        return seconds.stream().mapToDouble(Second::meanLimit).average().orElseThrow();
    }

    static double throughput(List<Second> seconds) {
        return seconds.stream().mapToInt(Second::completed).average().orElseThrow();
    }
}
