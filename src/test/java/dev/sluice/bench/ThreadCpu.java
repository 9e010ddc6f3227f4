package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time of a process's threads over an interval, grouped by thread name with digits folded
 * ({@code vert.x-eventloop-thread-0} and {@code -1} count together), read from Linux
 * /proc/&lt;pid&gt;/task. It answers "which threads took the CPU": JIT compilers, GC, event loops,
 * Kafka's network thread; JFR's execution samples cover Java code only, so the two go together.
 * Linux truncates thread names to 15 characters.
 */
final class ThreadCpu {
    /** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100;

    private final long pid;
    private final long startNanos;
    private final Map<Long, Long> startTicks;

    private ThreadCpu(long pid) {
        this.pid = pid;
        this.startNanos = System.nanoTime();
        this.startTicks = ticksByThread(pid, new HashMap<>());
    }

    static ThreadCpu start(long pid) {
        return new ThreadCpu(pid);
    }

    /** CPUs (1.0 = one CPU busy all the time) the whole process used since {@link #start}. */
    double cpusSince() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<Long, Long> end = ticksByThread(pid, new HashMap<>());
        long used = 0;
        for (Map.Entry<Long, Long> e : end.entrySet()) {
            used += Math.max(0, e.getValue() - startTicks.getOrDefault(e.getKey(), 0L));
        }
        return used / TICKS_PER_SECOND / seconds;
    }

    /**
     * One line: the {@code top} busiest thread groups since {@link #start}, in CPUs (1.0 = one CPU
     * busy all the time) and as a share of the process's CPU.
     */
    String since(int top) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> end = ticksByThread(pid, names);
        Map<String, Long> byGroup = new HashMap<>();
        end.forEach((tid, ticks) -> {
            long used = ticks - startTicks.getOrDefault(tid, 0L);
            if (used > 0) {
                byGroup.merge(names.get(tid).replaceAll("\\d+", "#"), used, Long::sum);
            }
        });
        long total = byGroup.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return "no CPU used (or no Linux /proc)";
        }
        String groups = byGroup.entrySet().stream()
                .sorted(Map.Entry.<String, Long> comparingByValue().reversed())
                .limit(top)
                .map(e -> String.format("%s %.2f (%.0f%%)", e.getKey(), e.getValue() / TICKS_PER_SECOND / seconds,
                        100.0 * e.getValue() / total))
                .collect(Collectors.joining(", "));
        return String.format("%.2f CPUs in all: %s", total / TICKS_PER_SECOND / seconds, groups);
    }

    /** utime + stime of every thread of the process, and its name into {@code names}. */
    private static Map<Long, Long> ticksByThread(long pid, Map<Long, String> names) {
        Map<Long, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long tid = Long.parseLong(task.getFileName().toString());
                    ticks.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                    names.put(tid, name);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between listing and reading: its time is simply not counted
                }
            });
        } catch (IOException | RuntimeException e) {
            return ticks;
        }
        return ticks;
    }
}
