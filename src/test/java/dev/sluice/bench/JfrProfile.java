package dev.sluice.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JDK Flight Recorder profile of a running JVM over a measured window, started and stopped with
 * {@code jcmd} (so warm-up is not in it), then summarised from its {@code jdk.ExecutionSample}
 * events: where the Java threads' time goes, by thread, by top frame, and by library on the stack.
 * Off unless {@code -Dbench.jfr=true}: the sampling itself costs a little CPU.
 */
final class JfrProfile {
    /** Libraries counted "on the stack" (inclusive): a sample counts once for each it contains. */
    private static final List<String> LIBRARIES = List.of("dev.sluice.", "io.smallrye.mutiny.",
            "io.smallrye.reactive.messaging.", "org.apache.kafka.", "io.vertx.", "io.netty.", "io.micrometer.",
            "io.quarkus.", "java.util.concurrent.", "sun.nio.", "jdk.internal.misc.Unsafe",
            // context propagation and OpenTelemetry context storage around Mutiny callbacks
            "io.smallrye.mutiny.context.", "io.smallrye.context.", "io.opentelemetry.", "io.quarkus.opentelemetry.");

    private final long pid;
    private final Path file;

    private JfrProfile(long pid, Path file) {
        this.pid = pid;
        this.file = file;
    }

    static boolean enabled() {
        return Boolean.getBoolean("bench.jfr");
    }

    /** Starts a recording in process {@code pid}, to be written to target/bench-jfr/{@code name}.jfr. */
    static JfrProfile start(long pid, String name) {
        Path file = Path.of("target", "bench-jfr", name + ".jfr").toAbsolutePath();
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        jcmd(pid, "JFR.start", "name=bench", "settings=profile");
        return new JfrProfile(pid, file);
    }

    /** Stops the recording, writes it, and returns a summary of {@code top} entries per view. */
    String stopAndSummarise(int top) {
        jcmd(pid, "JFR.stop", "name=bench", "filename=" + file);
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> byTopFrame = new HashMap<>();
        Map<String, Integer> byLibrary = new HashMap<>();
        int samples = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                    continue;
                }
                samples++;
                String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
                byThread.merge(String.valueOf(thread).replaceAll("\\d+", "#"), 1, Integer::sum);
                RecordedStackTrace stack = e.getStackTrace();
                List<RecordedFrame> frames = stack.getFrames();
                if (!frames.isEmpty()) {
                    byTopFrame.merge(method(frames.get(0)), 1, Integer::sum);
                }
                Set<String> seen = new LinkedHashSet<>();
                for (RecordedFrame f : frames) {
                    String type = f.getMethod().getType().getName();
                    for (String lib : LIBRARIES) {
                        if (type.startsWith(lib) || (type + "." + f.getMethod().getName()).startsWith(lib)) {
                            seen.add(lib);
                        }
                    }
                }
                seen.forEach(lib -> byLibrary.merge(lib, 1, Integer::sum));
            }
        } catch (IOException e) {
            return "profile unreadable: " + e;
        }
        if (samples == 0) {
            return "no execution samples in " + file;
        }
        int total = samples;
        Function<Map<String, Integer>, String> top10 = m -> m.entrySet().stream()
                .sorted(Map.Entry.<String, Integer> comparingByValue().reversed()).limit(top)
                .map(x -> String.format("    %5.1f%%  %s", 100.0 * x.getValue() / total, x.getKey()))
                .collect(Collectors.joining("\n"));
        return String.format("%d execution samples, %s%n  by thread:%n%s%n  by top frame:%n%s%n"
                + "  by library anywhere on the stack (inclusive):%n%s", samples, file, top10.apply(byThread),
                top10.apply(byTopFrame), top10.apply(byLibrary));
    }

    private static String method(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName() + " (" + type + ")";
    }

    /** Runs {@code jcmd <pid> args...} and returns its output. */
    static String jcmd(long pid, String... args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(String.valueOf(pid));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + String.join(" ", args) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
