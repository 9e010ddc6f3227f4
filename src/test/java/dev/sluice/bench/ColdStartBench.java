package dev.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;

/**
 * What a user sees when a pod starts in front of a backlog (a rollout, a scale-out, a crash):
 * each consumer started cold as a process of its own, timed from its first delivery to its last
 * over the whole backlog. For every backlog size and workload, in one run, one after another,
 * against the same broker and the same sink:
 *
 * <ol>
 * <li>Sluice, the packaged app (route and global max-in-flight C);</li>
 * <li>Confluent Parallel Consumer 0.5.3.3 as its README shows (bench/parallel-consumer:
 * {@code maxConcurrency} C, default commit mode, blocking JDK HttpClient on HTTP/1.1);</li>
 * <li>the hand-written {@code @Incoming} consumer (bench/baseline, worker max-concurrency C;
 * it has no key order, so it runs unordered in both workloads).</li>
 * </ol>
 *
 * Workloads: unordered at C = 256, L = 20 ms ({@code unordered}), key order at C = 128, L = 50 ms
 * ({@code key}) and at C = 256, L = 20 ms ({@code key256}); 4 partitions, 1,000 keys. The backlog of a workload is produced before its first consumer starts; each
 * consumer reads the whole topic from the beginning with a consumer group of its own. Reported
 * per consumer ({@link ColdStartRun}): rate first to last delivery, second-half rate, CPU per 1,000
 * events, peak RSS, the most requests the sink held at once; then Sluice / peer ratios. Nothing
 * about speed is asserted; the run fails only when a consumer did not deliver every record.
 *
 * <p>{@code ./mvnw -B -Pbench verify -Dit.test=ColdStartBench} runs the plan of issue 12's targets
 * and prints each target's ratio ({@link ColdStartTargets}); settings: -Dbench.plan (size:workload
 * pairs, e.g. 40k:unordered,20k:key), or -Dbench.backlogs (e.g. 40k,200k,1M) with
 * -Dbench.workloads (unordered,key) for every pair of the two, -Dbench.consumers
 * (sluice,pc,handwritten), -Dbench.rounds (1), -Dbench.keys (1000), -Dbench.stallSeconds (60).
 *
 * <p>Before and after a change, in one run: consumer {@code sluice-before} is Sluice from another
 * packaged build, {@code -Dbench.before.dir=<dir>/target/quarkus-app}, e.g. main in a worktree of
 * its own ({@code git worktree add --detach ../base main && (cd ../base && ./mvnw -B -q package
 * -DskipTests)}), reported as "Sluice / Sluice before". {@code -Dbench.jfr=true}: a JFR profile of
 * each consumer from its first delivery to its last (target/bench-jfr), summarised in the report.
 */
class ColdStartBench {
    /** One workload: the ordering each consumer is asked for, the concurrency C and the sink's latency L. */
    record Workload(String name, String sluiceOrdering, String pcOrdering, int concurrency, long latencyMs) {
        double bound() {
            return concurrency * 1000.0 / latencyMs;
        }

        String describe() {
            return String.format("%s, C=%d, L=%d ms (C/L = %.0f/s)", name, concurrency, latencyMs, bound());
        }
    }

    static final Map<String, Workload> WORKLOADS = Map.of(
            "unordered", new Workload("unordered", "none", "UNORDERED", 256, 20),
            "key", new Workload("key order", "key", "KEY", 128, 50),
            "key256", new Workload("key order", "key", "KEY", 256, 20));

    /** One backlog size and one workload, run through every consumer. */
    record Step(long records, String workload) {
    }

    /**
     * What runs, in order: -Dbench.plan (size:workload pairs), else every -Dbench.backlogs size
     * with every -Dbench.workloads workload, else the plan of issue 12's targets (ColdStartTargets).
     */
    private static final List<Step> PLAN = plan();
    private static final List<String> CONSUMERS = list("bench.consumers", "sluice,pc,handwritten");
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 1);
    private static final int KEYS = Integer.getInteger("bench.keys", 1000);
    private static final int PARTITIONS = 4;
    private static final List<String> JVM_FLAGS = List.of("-Xmx512m");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private static EmbeddedKafkaBroker broker;
    private static final Map<Long, BenchSink> SINKS = new HashMap<>();

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start(Path.of("target", "bench-kafka-" + UUID.randomUUID()));
    }

    @AfterAll
    static void stop() {
        SINKS.values().forEach(BenchSink::close);
        broker.close();
        Bench.deleteQuietly(broker.dataDir());
    }

    @Test
    void coldStartInFrontOfABacklog() {
        ColdStartReport report = new ColdStartReport(command(), JVM_FLAGS, PARTITIONS, KEYS);
        List<String> incomplete = new ArrayList<>();
        for (Step step : PLAN) {
            long records = step.records();
            Workload w = WORKLOADS.get(step.workload());
            BenchSink sink = SINKS.computeIfAbsent(w.latencyMs(), BenchSink::new);
            String topic = String.format(Locale.ROOT, "bench.coldstart.%s.%d.%d", w.sluiceOrdering(), w.concurrency(), records);
            try (Kafka kafka = new Kafka(broker.bootstrapServers())) {
                kafka.createTopic(topic, PARTITIONS);
            }
            Report.progress("%s, backlog %,d: filling", w.describe(), records);
            Backlog.Fill fill = Backlog.fill(broker.bootstrapServers(), topic, records, KEYS);
            Report.progress("backlog: %s", fill.describe());
            for (int round = 1; round <= ROUNDS; round++) {
                Map<String, ColdStartRun> runs = new LinkedHashMap<>();
                // even rounds run the consumers in reverse: the later in a round finds the test JVM (broker
                // and sink) warmer, so a fixed order could favour one of them
                List<String> order = new ArrayList<>(CONSUMERS);
                if (round % 2 == 0) {
                    java.util.Collections.reverse(order);
                }
                for (String consumer : order) {
                    Report.progress("%s, backlog %,d, round %d: %s", w.describe(), records, round, consumer);
                    ColdStartRun run = ColdStartRun.measure(consumer, sink, records, KEYS, w.bound(),
                            () -> start(consumer, w, sink, topic));
                    runs.put(consumer, run);
                    if (!run.complete()) {
                        incomplete.add(w.name() + " " + records + " round " + round + " " + consumer + ": " + run.failure());
                    }
                }
                report.add(step.workload(), w, fill, round, runs);
            }
            try (Kafka kafka = new Kafka(broker.bootstrapServers())) {
                kafka.deleteTopic(topic);
            }
        }
        report.publish();
        assertTrue(incomplete.isEmpty(), "every consumer delivers every record at least once: " + incomplete);
    }

    /** Starts one consumer process on {@code topic} with a consumer group of its own. */
    private static ColdStartRun.Started start(String consumer, Workload w, BenchSink sink, String topic) {
        String group = "coldstart-" + consumer + "-" + UUID.randomUUID();
        return switch (consumer) {
            case "sluice" -> sluice(consumer, w, sink, topic, group, SluiceProcess.appDir(), JVM_FLAGS);
            case "sluice-before" -> sluice(consumer, w, sink, topic, group, beforeDir(), beforeFlags());
            case "pc" -> parallelConsumer(w, sink, topic, group);
            case "handwritten" -> handWritten(w, sink, topic, group);
            default -> throw new IllegalArgumentException("bench.consumers: unknown " + consumer
                    + ", known sluice, sluice-before, pc, handwritten");
        };
    }

    /**
     * The other build {@code sluice-before} runs: -Dbench.before.dir, a packaged app directory
     * (e.g. a worktree of main built with {@code ./mvnw -B -q package -DskipTests}).
     */
    private static Path beforeDir() {
        String dir = System.getProperty("bench.before.dir");
        if (dir == null && System.getProperty("bench.before.jvmFlags") != null) {
            return SluiceProcess.appDir(); // the same build, other JVM flags
        }
        if (dir == null) {
            throw new IllegalArgumentException("bench.consumers=sluice-before needs -Dbench.before.dir=<other build>/target/quarkus-app"
                    + " or -Dbench.before.jvmFlags=<flags for the same build>");
        }
        return Path.of(dir);
    }

    /** -Dbench.before.jvmFlags: JVM flags of sluice-before added to the common ones (space-separated). */
    private static List<String> beforeFlags() {
        List<String> flags = new ArrayList<>(JVM_FLAGS);
        Arrays.stream(System.getProperty("bench.before.jvmFlags", "").split(" ")).filter(f -> !f.isBlank()).forEach(flags::add);
        return flags;
    }

    private static ColdStartRun.Started sluice(String consumer, Workload w, BenchSink sink, String topic, String group,
            Path appDir, List<String> jvmFlags) {
        Map<String, String> config = Bench.appConfig(broker.bootstrapServers(), topic, sink, w.concurrency(),
                w.concurrency(), Map.of("ordering", w.sluiceOrdering()));
        config.put("sluice.group-id", group);
        // the config topic keeps the last config written: a topic of its own, so this run's route
        // is the one its properties seed, not the previous run's
        config.put("sluice.config-topic", group + "-config");
        SluiceProcess app = SluiceProcess.start("coldstart-" + consumer, appDir, config, jvmFlags, Path.of(""));
        return started(app.pid(), app.log(), () -> app.terminate(STOP_TIMEOUT), app::close);
    }

    private static ColdStartRun.Started parallelConsumer(Workload w, BenchSink sink, String topic, String group) {
        Map<String, String> config = new HashMap<>();
        config.put("pc.bootstrap", broker.bootstrapServers());
        config.put("pc.topic", topic);
        config.put("pc.group", group);
        config.put("pc.url", sink.url("/bench"));
        config.put("pc.ordering", w.pcOrdering());
        config.put("pc.concurrency", String.valueOf(w.concurrency()));
        Path jar = Path.of(System.getProperty("bench.pc.dir", "bench/parallel-consumer/target/pc-app"), "pc-app.jar");
        JarProcess app = JarProcess.start("coldstart-pc", jar, "run with ./mvnw -Pbench verify, which builds bench/parallel-consumer",
                config, JVM_FLAGS);
        return started(app.pid(), app.log(), () -> app.terminate(STOP_TIMEOUT), app::close);
    }

    private static ColdStartRun.Started handWritten(Workload w, BenchSink sink, String topic, String group) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("baseline.topic", topic);
        config.put("baseline.target.url", sink.url("/bench"));
        config.put("mp.messaging.incoming.events.group.id", group);
        config.put("smallrye.messaging.worker.deliveries.max-concurrency", String.valueOf(w.concurrency()));
        BaselineProcess app = BaselineProcess.start(config, JVM_FLAGS);
        return started(app.pid(), app.log(), () -> app.terminate(STOP_TIMEOUT), app::close);
    }

    private static ColdStartRun.Started started(long pid, Path log, java.util.function.IntSupplier stop, Runnable close) {
        return new ColdStartRun.Started() {
            @Override
            public long pid() {
                return pid;
            }

            @Override
            public Path log() {
                return log;
            }

            @Override
            public int stop() {
                try {
                    return stop.getAsInt();
                } catch (RuntimeException e) {
                    // did not exit in time: close() kills it
                    return -1;
                }
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    private static String command() {
        return String.format("./mvnw -B -Pbench verify -Dit.test=ColdStartBench -Dbench.plan=%s "
                + "-Dbench.consumers=%s -Dbench.rounds=%d -Dbench.keys=%d"
                + (System.getProperty("bench.before.dir") == null ? "" : " -Dbench.before.dir=" + System.getProperty("bench.before.dir"))
                + (System.getProperty("bench.before.jvmFlags") == null ? ""
                        : " '-Dbench.before.jvmFlags=" + System.getProperty("bench.before.jvmFlags") + "'")
                + (JfrProfile.enabled() ? " -Dbench.jfr=true" : ""),
                PLAN.stream().map(s -> shortCount(s.records()) + ":" + s.workload()).collect(Collectors.joining(",")),
                String.join(",", CONSUMERS), ROUNDS, KEYS);
    }

    private static List<Step> plan() {
        List<Step> plan = new ArrayList<>();
        String explicit = System.getProperty("bench.plan");
        if (explicit != null) {
            for (String pair : list("bench.plan", "")) {
                String[] parts = pair.split(":");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("bench.plan: " + pair + " is not size:workload (e.g. 40k:unordered)");
                }
                plan.add(step(count(parts[0]), parts[1].trim()));
            }
        } else if (System.getProperty("bench.backlogs") != null || System.getProperty("bench.workloads") != null) {
            for (String size : list("bench.backlogs", "40k")) {
                for (String workload : list("bench.workloads", "unordered,key")) {
                    plan.add(step(count(size), workload));
                }
            }
        } else {
            plan.addAll(ColdStartTargets.PLAN);
        }
        return List.copyOf(plan);
    }

    private static Step step(long records, String workload) {
        if (!WORKLOADS.containsKey(workload)) {
            throw new IllegalArgumentException("bench workload " + workload + " unknown, known " + WORKLOADS.keySet());
        }
        return new Step(records, workload);
    }

    /** "40k", "1M" or a plain number. */
    static long count(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("k")) {
            return Long.parseLong(t.substring(0, t.length() - 1)) * 1_000;
        }
        if (t.endsWith("m")) {
            return Long.parseLong(t.substring(0, t.length() - 1)) * 1_000_000;
        }
        return Long.parseLong(t);
    }

    static String shortCount(long n) {
        if (n % 1_000_000 == 0) {
            return n / 1_000_000 + "M";
        }
        return n % 1_000 == 0 ? n / 1_000 + "k" : String.valueOf(n);
    }

    private static List<String> list(String property, String defaults) {
        return Arrays.stream(System.getProperty(property, defaults).split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }
}
