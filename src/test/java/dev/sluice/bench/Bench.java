package dev.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import dev.sluice.testing.SluiceProcess;

/** Small chores shared by the benchmarks. */
final class Bench {
    /** The admin token of the app under test (PUT /admin/config switches modes and limits live). */
    static final String TOKEN = "bench-token";

    private Bench() {
    }

    /**
     * Startup config of the app under test: one route "bench" from {@code topic} to the sink's
     * /bench, with its global and route max-in-flight, plus further keys of the route
     * ({@code sluice.routes.bench.<key>}).
     */
    static Map<String, String> appConfig(String bootstrap, String topic, BenchSink sink, int global, int route,
            Map<String, String> routeKeys) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", bootstrap);
        config.put("sluice.admin.token", TOKEN);
        config.put("sluice.max-in-flight", String.valueOf(global));
        config.put("sluice.routes.bench.topics", topic);
        config.put("sluice.routes.bench.target.url", sink.url("/bench"));
        config.put("sluice.routes.bench.max-in-flight", String.valueOf(route));
        routeKeys.forEach((k, v) -> config.put("sluice.routes.bench." + k, v));
        return config;
    }

    /** Replaces the config live with the same route, its {@code key} set to {@code value} (a JSON string). */
    static void putRoute(SluiceProcess app, String topic, BenchSink sink, int global, int route, String key, String value) {
        String body = String.format("{\"max-in-flight\":%d,\"routes\":[{\"name\":\"bench\",\"topics\":[\"%s\"],"
                + "\"target\":{\"url\":\"%s\"},\"max-in-flight\":%d,\"%s\":\"%s\"}]}", global, topic,
                sink.url("/bench"), route, key, value);
        var response = app.put("/admin/config", body, TOKEN);
        assertEquals(200, response.statusCode(), "PUT /admin/config: " + response.body());
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
