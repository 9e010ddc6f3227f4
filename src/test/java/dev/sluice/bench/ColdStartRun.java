package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * One consumer process started cold in front of a whole backlog and timed until the sink has
 * answered every record of it at least once: rate from the first delivery to the last and over
 * the second half, CPU (user + system of the whole process, from /proc) per 1,000 events over the
 * same spans, peak RSS (VmHWM), the most requests the sink held at once, and how long the process
 * took from its start to the first delivery and to the last (the backlog drained, as a user waiting
 * on a restarted pod sees it). The process is stopped (SIGTERM) once all arrived,
 * after a stall of {@link #STALL} with no new record, or when it exits on its own.
 */
record ColdStartRun(String consumer, long records, String failure, double startToFirstSeconds, double startToAllSeconds,
        double perSecond,
        double secondHalfPerSecond, double cpuMsPer1k, double secondHalfCpuMsPer1k, double cpus, long maxRssMiB,
        int peakAtSink, long duplicates, long foreign, long orderViolations, String machineCpu, String threads, int exit,
        Path log, String profile, String ramp) {

    /** A consumer process under test. */
    interface Started extends AutoCloseable {
        long pid();

        Path log();

        /** SIGTERM and wait; the exit code. */
        int stop();

        @Override
        void close();
    }

    /** No new record for this long ends a run as failed (its figures are then those of a broken run). */
    static final Duration STALL = Duration.ofSeconds(Long.getLong("bench.stallSeconds", 60));
    /** The longest a process may take from its start to its first delivery. */
    static final Duration FIRST_DELIVERY = Duration.ofSeconds(120);
    private static final double TICKS_PER_SECOND = 100;
    private static final long POLL_NANOS = 5_000_000;

    boolean complete() {
        return failure == null;
    }

    /**
     * Runs {@code start}'s process over the backlog of {@code records} records on {@code keys} keys;
     * {@code bound} (C / L, per second) scales the ramp.
     */
    static ColdStartRun measure(String consumer, BenchSink sink, long records, int keys, double bound,
            Supplier<Started> start) {
        awaitIdle(sink);
        Deliveries d = new Deliveries(records, keys);
        sink.resetPeak();
        sink.listen(d);
        long launched = System.nanoTime();
        try (Started app = start.get()) {
            long pid = app.pid();
            long ticksFirst = -1;
            long ticksHalf = -1;
            CpuUse machine = null;
            ThreadCpu threads = null;
            JfrProfile jfr = null;
            long seen = 0;
            long progressAt = launched;
            String failure = null;
            while (!d.done()) {
                long now = System.nanoTime();
                if (d.started() && ticksFirst < 0) {
                    ticksFirst = ticks(pid);
                    machine = CpuUse.start(pid);
                    threads = ThreadCpu.start(pid);
                    if (JfrProfile.enabled()) {
                        jfr = JfrProfile.start(pid, "coldstart-" + consumer + "-" + System.currentTimeMillis());
                    }
                }
                if (d.halfDone() && ticksHalf < 0) {
                    ticksHalf = ticks(pid);
                }
                if (d.distinct() > seen) {
                    seen = d.distinct();
                    progressAt = now;
                }
                if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    failure = "the process exited; see " + app.log();
                } else if (!d.started() && now - launched > FIRST_DELIVERY.toNanos()) {
                    failure = "no delivery within " + FIRST_DELIVERY + " of the start; see " + app.log();
                } else if (d.started() && now - progressAt > STALL.toNanos()) {
                    failure = "stalled for " + STALL + " at " + d + "; see " + app.log();
                }
                if (failure != null) {
                    break;
                }
                sleepNanos(POLL_NANOS);
            }
            long ticksAll = ticks(pid);
            String machineCpu = CpuUse.since(machine, consumer);
            String threadCpu = threads == null ? "n/a" : threads.since(6);
            double cpus = threads == null ? Double.NaN : threads.cpusSince();
            long rss = peakRssMiB(pid);
            int peak = sink.peak();
            String profile = jfr == null ? null : jfr.stopAndSummarise(15);
            int exit = app.stop();
            if (failure != null) {
                Report.progress("%s FAILED: %s", consumer, failure);
                return new ColdStartRun(consumer, records, failure, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                        Double.NaN, Double.NaN, cpus, rss, peak, d.duplicates(), d.foreign(), d.orderViolations(), machineCpu,
                        threadCpu, exit, app.log(), profile, null);
            }
            long half = records - (records + 1) / 2;
            double span = (d.allNanos() - d.firstNanos()) / 1e9;
            double secondHalf = (d.allNanos() - d.halfNanos()) / 1e9;
            ColdStartRun run = new ColdStartRun(consumer, records, null, (d.firstNanos() - launched) / 1e9,
                    (d.allNanos() - launched) / 1e9, records / span,
                    half / secondHalf, cpuMsPer1k(ticksAll - ticksFirst, records),
                    cpuMsPer1k(ticksAll - ticksHalf, half), cpus, rss, peak, d.duplicates(), d.foreign(),
                    d.orderViolations(), machineCpu, threadCpu, exit, app.log(), profile, d.ramp(bound));
            Report.progress("%s: %.0f events/s (second half %.0f), %.0f ms CPU per 1k events, peak RSS %d MiB, "
                    + "at most %d at the sink, first delivery %.1f s after the start, last %.1f s; %s", consumer,
                    run.perSecond(), run.secondHalfPerSecond(), run.cpuMsPer1k(), rss, peak, run.startToFirstSeconds(),
                    run.startToAllSeconds(), d);
            return run;
        } finally {
            sink.listen(null);
        }
    }

    static double cpuMsPer1k(long ticks, long events) {
        return ticks / TICKS_PER_SECOND * 1000 / events * 1000;
    }

    /** Requests of the previous consumer still held by the sink are answered within its latency: wait for them. */
    private static void awaitIdle(BenchSink sink) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (sink.held() > 0 && System.nanoTime() < deadline) {
            sleepNanos(POLL_NANOS);
        }
    }

    /** utime + stime of the whole process, in clock ticks (USER_HZ); -1 once it is gone. */
    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // the command name may contain spaces: fields are counted after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The process's peak resident set size so far (VmHWM), in MiB; -1 where /proc is not readable. */
    private static long peakRssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
