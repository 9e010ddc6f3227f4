package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time spent during an interval by the app, by this JVM (broker, sink, producers) and by
 * everything else on the machine, in CPUs (1.0 = one CPU busy for the whole interval). Read from
 * Linux /proc; tells whether a figure was limited by the machine, and whether other work skewed it.
 */
final class CpuUse {
    private final long appPid;
    private final Ticks start;

    /** Machine-wide busy and total ticks (all CPUs), and the ticks of the two processes. */
    private record Ticks(long busy, long total, int cpus, long app, long self) {
    }

    private CpuUse(long appPid, Ticks start) {
        this.appPid = appPid;
        this.start = start;
    }

    /** Starts measuring; null where /proc is not readable (the report then says so). */
    static CpuUse start(long appPid) {
        Ticks now = read(appPid);
        return now == null ? null : new CpuUse(appPid, now);
    }

    /** One line for the report: CPUs used by each party since {@link #start}. */
    static String since(CpuUse use) {
        return since(use, "Sluice");
    }

    /** As {@link #since(CpuUse)}, the measured process called {@code appName}. */
    static String since(CpuUse use, String appName) {
        Ticks end = use == null ? null : read(use.appPid);
        if (end == null) {
            return "unknown (no Linux /proc)";
        }
        Ticks s = use.start;
        // ticks of one CPU over the interval: the unit in which "1.0 CPU" is expressed
        double perCpu = (double) (end.total() - s.total()) / end.cpus();
        double app = (end.app() - s.app()) / perCpu;
        double self = (end.self() - s.self()) / perCpu;
        double busy = (end.busy() - s.busy()) / perCpu;
        return String.format("%s %.2f, test JVM %.2f, other processes %.2f, idle %.2f (of %d CPUs)", appName, app, self,
                Math.max(0, busy - app - self), end.cpus() - busy, end.cpus());
    }

    private static Ticks read(long appPid) {
        try {
            List<String> stat = Files.readAllLines(Path.of("/proc/stat"));
            // cpu  user nice system idle iowait irq softirq steal (guest time is already in user)
            String[] f = stat.get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            int cpus = (int) stat.stream().filter(l -> l.matches("cpu\\d+ .*")).count();
            return new Ticks(total - idle, total, cpus, processTicks(String.valueOf(appPid)), processTicks("self"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** utime + stime of a process, in the same clock ticks as /proc/stat. */
    private static long processTicks(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        // the command name may contain spaces: fields are counted after its closing parenthesis
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
