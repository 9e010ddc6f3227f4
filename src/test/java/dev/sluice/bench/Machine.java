package dev.sluice.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Where a benchmark ran: enough to tell whether two sets of figures are comparable. */
final class Machine {
    private Machine() {
    }

    /** One line: CPUs ({@code nproc}), CPU model, OS, and the Java that ran both JVMs. */
    static String describe() {
        String nproc = command("nproc");
        return "nproc " + (nproc.isEmpty() ? "?" : nproc)
                + " (JVM sees " + Runtime.getRuntime().availableProcessors() + ")"
                + ", " + cpuModel()
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
                + ", java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")";
    }

    /** The commit the benchmark ran on, marked when the worktree had uncommitted changes. */
    static String commit() {
        String head = command("git", "rev-parse", "--short", "HEAD");
        if (head.isEmpty()) {
            return "unknown";
        }
        return command("git", "status", "--porcelain").isEmpty() ? head : head + " + uncommitted changes";
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("cpu model unknown");
        } catch (IOException e) {
            return "cpu model unknown";
        }
    }

    /** Trimmed standard output of a short command, or "" when it fails or takes over 10 s. */
    private static String command(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
