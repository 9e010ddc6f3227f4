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
 * A plain {@code java -jar} process (bench/parallel-consumer's pc-app.jar), started the way
 * {@link BaselineProcess} starts the hand-written baseline: the test JVM's java, config as -D
 * flags, output to a log under target/process-logs.
 */
final class JarProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private JarProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code jar}; {@code hint} says how to build it when it is missing. */
    static JarProcess start(String name, Path jar, String hint, Map<String, String> config, List<String> jvmFlags) {
        Path absolute = jar.toAbsolutePath();
        if (!Files.exists(absolute)) {
            throw new IllegalStateException(absolute + " is missing: " + hint);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(absolute.toString());
        Path log = Path.of("target", "process-logs", name + "-" + System.currentTimeMillis() + ".log");
        try {
            Files.createDirectories(log.getParent());
            return new JarProcess(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** SIGTERM, then waits (SIGKILL after {@code timeout}); returns the exit code. */
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
