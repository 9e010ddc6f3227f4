package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * A broker outage is waited out, not restarted through. While events flow, the broker stops and,
 * a while later, comes back on the same port with the same data. Meanwhile readiness is DOWN (the
 * pod leaves the Service) and liveness stays UP (Kubernetes does not restart it); once the broker
 * is back readiness returns, every event sent before, during and after the outage arrives, and
 * Sluice's own clients recover without a restart: a dead letter decided during the outage is
 * written, a config PUT goes through the config topic, a dead letter after the outage is written.
 */
class BrokerOutageIT {
    private static final String TOPIC = "outage.orders";
    private static final String DEAD_LETTERS = "outage.dead-letter";
    private static final String TOKEN = "outage-token";
    /** How long the broker stays down once readiness has gone DOWN. */
    private static final Duration OUTAGE = Duration.ofSeconds(10);
    /** Readiness must be DOWN this soon after the broker has stopped... */
    private static final Duration DOWN_WITHIN = Duration.ofSeconds(5);
    /**
     * ...and UP again this soon after it is back: the clients retry at least every 1.2 s
     * (reconnect.backoff.max.ms in application.properties; the connector's own 10 s took 3 to 5.5 s).
     */
    private static final Duration UP_WITHIN = Duration.ofSeconds(5);
    private static TestEnvironment env;
    private static TestSink sink;
    private static Kafka kafka;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        // "reject-during" is answered 400 only when the test says so, while the broker is down
        sink = env.sink().on("/orders", (id, attempt) -> id.equals("reject-during") ? TestSink.Reply.held(400)
                : id.startsWith("reject-") ? TestSink.Reply.status(400) : TestSink.Reply.ok(5));
        // kafka-clients 4 "rebootstraps" when every broker it knows is gone: it forgets the topic's
        // partitions, and send() then blocks for up to max.block.ms instead of buffering. Keeping
        // the metadata lets events be handed over during the outage and written once it is back.
        kafka = new Kafka(env.bootstrap(), Map.of(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none"));
        kafka.createTopic(TOPIC, 4);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        env.close();
    }

    @Test
    void readinessFollowsTheBrokerLivenessStaysUpAndNothingIsLost() {
        EmbeddedKafkaBroker broker = env.broker();
        List<String> before = IntStream.range(0, 2000).mapToObj(i -> "before-" + i).toList();
        kafka.sendAll(TOPIC, before);
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        env.route(config, "orders", TOPIC, "/orders", 32);
        config.put("sluice.routes.orders.dead-letter-topic", DEAD_LETTERS);
        // the held request must not time out while the broker is down
        config.put("sluice.routes.orders.timeout", "60s");
        TestSink.PathStats orders = sink.stats("/orders");

        try (SluiceProcess app = SluiceProcess.start("outage", config, List.of("-Xmx256m"));
                SteadyFlow flow = new SteadyFlow(kafka, TOPIC)) {
            app.awaitReady(Duration.ofSeconds(60));
            kafka.send(TOPIC, "reject-during", "reject-during", Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> orders.attempts("reject-during") == 1
                    && orders.accepted().containsAll(before) && orders.acceptedCount() > before.size() + 200);

            long stopAt = System.nanoTime();
            broker.stop();
            long stoppedMs = millisSince(stopAt);
            int sentBefore = flow.sent();
            await().atMost(DOWN_WITHIN).pollInterval(Duration.ofMillis(50))
                    .until(() -> app.get("/q/health/ready") == 503);
            long downMs = millisSince(stopAt);
            System.out.println("readiness while the broker is down: " + app.getBody("/q/health/ready"));
            // the target answers 400 now: the dead-letter write has to wait for the broker
            sink.releaseHeld();
            AtomicInteger samples = new AtomicInteger();
            await().during(OUTAGE).atMost(OUTAGE.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> samples.incrementAndGet() > 0
                            && app.get("/q/health/live") == 200 && app.get("/q/health/ready") == 503);

            long restartAt = System.nanoTime();
            broker.restart();
            long restartedMs = millisSince(restartAt);
            int sentDuring = flow.sent() - sentBefore;
            await().atMost(UP_WITHIN).pollInterval(Duration.ofMillis(50))
                    .until(() -> app.get("/q/health/ready") == 200);
            long upMs = millisSince(restartAt);
            // a little flow after the outage too, then stop it and wait for the broker's acks
            int sentBeforeRestart = sentBefore + sentDuring;
            await().atMost(Duration.ofSeconds(30)).until(() -> flow.sent() >= sentBeforeRestart + 200);
            List<String> flowed = flow.stop();
            assertTrue(sentDuring > 0, "events were sent while the broker was down");

            // the config topic's writer and follower work again: a PUT is applied
            String route = "{\"routes\":[{\"name\":\"orders\",\"topics\":[\"" + TOPIC + "\"],\"target\":{\"url\":\""
                    + sink.url("/orders") + "\"},\"max-in-flight\":16,\"timeout\":\"60s\",\"dead-letter-topic\":\""
                    + DEAD_LETTERS + "\"}]}";
            var put = app.put("/admin/config", route, TOKEN);
            assertEquals(200, put.statusCode(), "PUT after the outage: " + put.body());
            // the dead-letter producer works again
            kafka.send(TOPIC, "reject-after", "reject-after", Map.of());

            List<String> all = new ArrayList<>(before);
            all.addAll(flowed);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> sink.missing("/orders", all).isEmpty());
            Set<String> dead = kafka.read(DEAD_LETTERS, 2, Duration.ofSeconds(30)).stream().map(Kafka::value)
                    .collect(Collectors.toSet());
            assertEquals(Set.of("reject-during", "reject-after"), dead, "dead letters written during and after the outage");
            assertEquals(200, app.get("/q/health/live"), "live after the outage; log " + app.log());
            assertEquals(0, app.terminate(Duration.ofSeconds(30)), "a drained stop after the outage exits 0");

            int deliveries = orders.acceptedCount();
            System.out.printf("readinessFollowsTheBrokerLivenessStaysUpAndNothingIsLost: broker stop took %d ms, readiness DOWN "
                    + "%d ms after the stop began; liveness UP and readiness DOWN in all %d samples over %d s of outage; "
                    + "broker restart took %d ms, readiness UP %d ms after the restart began%n",
                    stoppedMs, downMs, samples.get(), OUTAGE.toSeconds(), restartedMs, upMs);
            System.out.printf("readinessFollowsTheBrokerLivenessStaysUpAndNothingIsLost: %d events (%d before the app, %d flowing "
                    + "before the outage, %d during, %d after), %d lost, %d deliveries, %d duplicates%n",
                    all.size(), before.size(), sentBefore, sentDuring, flowed.size() - sentBeforeRestart,
                    sink.missing("/orders", all).size(), deliveries, deliveries - all.size());
            assertEquals(List.of(), sink.missing("/orders", all));
        }
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    /**
     * Events flowing into a topic at a steady pace (ids {@code flow-<n>}, 10 every 20 ms) from a
     * thread of their own, through a broker outage: the producer keeps what it cannot send and
     * retries until its delivery timeout.
     */
    private static final class SteadyFlow implements AutoCloseable {
        private final List<Future<RecordMetadata>> acks = new CopyOnWriteArrayList<>();
        private final List<String> ids = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        SteadyFlow(Kafka kafka, String topic) {
            thread = new Thread(() -> {
                long next = System.nanoTime();
                while (running) {
                    List<String> batch = IntStream.range(ids.size(), ids.size() + 10).mapToObj(i -> "flow-" + i).toList();
                    acks.addAll(kafka.sendAsync(topic, batch));
                    ids.addAll(batch);
                    next += TimeUnit.MILLISECONDS.toNanos(20);
                    LockSupport.parkNanos(next - System.nanoTime());
                }
            }, "outage-flow");
            thread.start();
        }

        int sent() {
            return ids.size();
        }

        /** Stops sending, waits until the broker has acknowledged every event; returns their ids. */
        List<String> stop() {
            running = false;
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Kafka.awaitAcks(acks, Duration.ofSeconds(120));
            return List.copyOf(ids);
        }

        @Override
        public void close() {
            running = false;
        }
    }
}
