package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/** Small chores shared by the benchmarks. */
final class Bench {
    private Bench() {
    }

    /** Waits until the sink has answered more than {@code count} requests: the app under test is consuming. */
    static void awaitAnswered(BenchSink sink, long count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sink.answered() <= count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the sink answered no more than " + count + " requests within " + timeout);
            }
            Window.sleep(Duration.ofMillis(50));
        }
    }

    /** Deletes a broker's data (a benchmark's backlog can be gigabytes); failures are ignored. */
    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // leftovers under target/ go with the next clean
        }
    }
}
