package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The hand-written baseline (bench/baseline, built by the bench profile) running as its own
 * process, started the way {@code SluiceProcess} starts Sluice: same java, config as -D flags,
 * output to a log under target/process-logs.
 */
final class BaselineProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private BaselineProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static BaselineProcess start(Map<String, String> config, List<String> jvmFlags) {
        Path jar = Path.of(System.getProperty("bench.baseline.dir", "bench/baseline/target/quarkus-app"), "quarkus-run.jar")
                .toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run with ./mvnw -Pbench verify, which builds bench/baseline");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        Path log = Path.of("target", "process-logs", "baseline-" + System.currentTimeMillis() + ".log");
        try {
            Files.createDirectories(log.getParent());
            return new BaselineProcess(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(),
                    log);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    long rssMiB() {
        return Proc.rssMiB(pid());
    }

    /** SIGTERM, then waits; returns the exit code. */
    int terminate(Duration timeout) {
        process.destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            terminate(Duration.ofSeconds(30));
        }
    }
}
