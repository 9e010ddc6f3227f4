package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * GET /admin/events on the packaged app with a real broker: a backlog drains through a sink with
 * latency while subscribers come late, stall and reconnect. Ticks every 10 ms, a ring of 64
 * (instead of 1 s and 256) and a dozen idle routes (a status event of some 4 KB) make a 30 s stall
 * overflow the ring and the socket buffers (on loopback the kernel's send buffer grows to megabytes).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventStreamIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "events.orders";
    private static final String IDLE_TOPIC = "events.idle";
    private static final int IDLE_ROUTES = 12;
    private static final int BACKLOG = 200_000;
    private static final int SINK_MS = 5;
    private static final int MAX_SUBSCRIBERS = 12;
    private static final int DASHBOARDS = 10;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    private static TestEnvironment env;
    private static SluiceProcess app;
    private static Socket stalled;

    /** One SSE event as read off the wire. */
    record Sse(String id, String type, String data) {
        JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new IllegalStateException(data, e);
            }
        }
    }

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/orders", (id, attempt) -> TestSink.Reply.ok(SINK_MS));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic(TOPIC, 8);
            kafka.createTopic(IDLE_TOPIC, 1);
            List<String> ids = new ArrayList<>(BACKLOG);
            for (int i = 0; i < BACKLOG; i++) {
                ids.add("o-" + i);
            }
            kafka.sendAll(TOPIC, ids);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", TOPIC, "/orders", 8);
        config.put("sluice.routes.orders.ordering", "none");
        for (int i = 0; i < IDLE_ROUTES; i++) {
            env.route(config, "idle-" + i, IDLE_TOPIC, "/idle", 4);
        }
        config.put("sluice.admin.events.tick", "10ms");
        config.put("sluice.admin.events.ring-size", "64");
        config.put("sluice.admin.events.max-subscribers", String.valueOf(MAX_SUBSCRIBERS));
        config.put("sluice.drain-timeout", DRAIN_TIMEOUT.toSeconds() + "s");
        app = SluiceProcess.start("event-stream", config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
        await().atMost(Duration.ofSeconds(60)).until(() -> env.sink().stats("/orders").acceptedCount() > 500);
    }

    @AfterAll
    static void stop() throws IOException {
        if (stalled != null) {
            stalled.close();
        }
        if (app != null) {
            app.close();
        }
        env.close();
    }

    /** Opens /admin/events on a raw socket (HTTP/1.1) and sends the request; reads nothing. */
    private static Socket open(int receiveBuffer, String lastEventId) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            // before connect, so the advertised window stays small and the server's queue fills
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("localhost", app.port()), 2000);
        OutputStream out = s.getOutputStream();
        out.write(("GET /admin/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    /**
     * Reads SSE events (skipping HTTP headers and chunk-size lines, which never start with a
     * field name) until {@code stop} matches or the stream ends; each read waits at most the
     * socket's timeout.
     */
    private static List<Sse> read(BufferedReader in, java.util.function.Predicate<Sse> stop, int max) throws IOException {
        List<Sse> out = new ArrayList<>();
        String id = null;
        String type = null;
        String data = null;
        String line;
        while (out.size() < max && (line = in.readLine()) != null) {
            if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("event: ")) {
                type = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data = line.substring(6);
            } else if (line.isEmpty() && type != null) {
                Sse e = new Sse(id, type, data);
                out.add(e);
                id = null;
                type = null;
                data = null;
                if (stop.test(e)) {
                    break;
                }
            }
        }
        return out;
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    private static JsonNode orders(Sse status) {
        for (JsonNode r : status.json().path("routes")) {
            if (r.path("name").asText().equals("orders")) {
                return r;
            }
        }
        throw new AssertionError("no route orders in " + status.data());
    }

    /** Deliveries per second over {@code span}, polling liveness each second as the window with a subscriber does. */
    private static double rateOver(Duration span) {
        int d0 = delivered();
        long t0 = System.nanoTime();
        await().during(span).atMost(span.plusSeconds(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> delivered() < BACKLOG && app.get("/q/health/live") == 200);
        return (delivered() - d0) / ((System.nanoTime() - t0) / 1e9);
    }

    private static int delivered() {
        return env.sink().stats("/orders").acceptedCount();
    }

    @Test
    @Order(0)
    void subscribersBeyondTheCapAreRefusedWith503UntilOneLeaves() throws IOException {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
                Socket s = open(0, null);
                s.setSoTimeout(2000);
                open.add(s);
                assertEquals("status", read(reader(s), e -> e.type().equals("status"), 10).stream()
                        .reduce((a, b) -> b).orElseThrow().type(), "subscriber " + i + " is served");
            }
            HttpResponse<String> refused = app.request("GET", "/admin/events", Map.of(), null);
            System.out.printf("subscribersBeyondTheCapAreRefusedWith503UntilOneLeaves: %d %s%n", refused.statusCode(),
                    refused.body());
            assertEquals(503, refused.statusCode());
            assertTrue(refused.body().contains("too many status stream subscribers"), refused.body());
            open.remove(0).close();
            // the server sees the close on its next write (a tick), then takes a new subscriber
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                try (Socket s = open(0, null)) {
                    s.setSoTimeout(2000);
                    BufferedReader in = reader(s);
                    assertTrue(in.readLine().startsWith("HTTP/1.1 200"), "a place is free again");
                }
            });
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @Test
    @Order(1)
    void aLateSubscriberGetsTheCurrentStatusAtOnce() throws IOException {
        int deliveredBefore = delivered();
        long t0 = System.nanoTime();
        try (Socket s = open(0, null)) {
            s.setSoTimeout(1000);
            List<Sse> events = read(reader(s), e -> e.type().equals("status"), 10);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Sse status = events.get(events.size() - 1);
            assertEquals("status", status.type(), "first events: " + events);
            assertTrue(events.stream().anyMatch(e -> e.type().equals("config")), "the config version comes too: " + events);
            JsonNode route = orders(status);
            System.out.printf("aLateSubscriberGetsTheCurrentStatusAtOnce: status in %d ms, delivered %d (sink had %d)%n", ms,
                    route.path("delivered").asLong(), deliveredBefore);
            assertTrue(ms < 1000, "status within 1 s: " + ms + " ms");
            assertTrue(route.path("delivered").asLong() >= deliveredBefore - 50,
                    "status shows the deliveries so far: " + route + " vs sink " + deliveredBefore);
            assertTrue(route.path("limit").asInt() == 8 && route.has("lag"), route.toString());
        }
    }

    @Test
    @Order(2)
    void aStalledSubscriberIsToldWhatItMissedAndNeitherSlowsDeliveryNorHoldsMemory() throws IOException {
        // the JIT warms up on the first deliveries (the rate grew by half over the first 15 s): not compared
        await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(17)).pollInterval(Duration.ofSeconds(1))
                .until(() -> delivered() < BACKLOG);
        long heapBefore = app.liveHeapMiB();
        long rssBefore = app.rssMiB();
        // the rate without the stalled subscriber, with it, and without it again, in the same run: the
        // rate drifts over a backlog (1,264/s, then 1,144/s 40 s later with no subscriber in one run),
        // so "with" is compared with the mean of the rates before and after it
        double before = rateOver(Duration.ofSeconds(10));

        stalled = open(2048, null);
        int b0 = delivered();
        long tb0 = System.nanoTime();
        // 30 s of reading nothing while the backlog flows: delivery keeps going the whole time
        await().during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(33)).pollInterval(Duration.ofSeconds(1))
                .until(() -> delivered() < BACKLOG && app.get("/q/health/live") == 200);
        double with = (delivered() - b0) / ((System.nanoTime() - tb0) / 1e9);
        long heapAfter = app.liveHeapMiB();
        long rssAfter = app.rssMiB();

        stalled.setSoTimeout(5000);
        // what the socket buffers held, then the lagged event; a stream that never lags would go on for ever
        BufferedReader stalledIn = reader(stalled);
        List<Sse> events = read(stalledIn, e -> e.type().equals("lagged"), 20_000);
        Sse lagged = events.get(events.size() - 1);
        System.out.printf("aStalledSubscriberIsToldWhatItMissedAndNeitherSlowsDeliveryNorHoldsMemory: %s after %d events; "
                + "live heap %d -> %d MiB, RSS %d -> %d MiB%n", lagged.data(), events.size() - 1, heapBefore, heapAfter,
                rssBefore, rssAfter);
        assertEquals("lagged", lagged.type(), "a lagged event after the buffered ones");
        long missed = lagged.json().path("missed").asLong();
        assertTrue(missed > 0, "missed count: " + lagged.data());
        // the next event is the one lagged names: nothing in between, nothing twice
        List<Sse> next = read(stalledIn, e -> true, 1);
        assertEquals(lagged.json().path("resumeAt").asText(), next.get(0).id(), "resumes at the oldest retained");
        stalled.close();
        stalled = null;
        double after = rateOver(Duration.ofSeconds(10));
        double without = (before + after) / 2;
        System.out.printf("aStalledSubscriberIsToldWhatItMissedAndNeitherSlowsDeliveryNorHoldsMemory: delivered %.0f/s "
                + "before, %.0f/s with the stalled subscriber, %.0f/s after it (ratio to the mean %.3f)%n", before, with,
                after, with / without);
        // 3,000 events were published meanwhile; the ring holds 64 and the socket what it takes
        assertTrue(heapAfter <= heapBefore + 16, "live heap " + heapBefore + " -> " + heapAfter + " MiB");
        assertTrue(rssAfter <= rssBefore + 64, "RSS " + rssBefore + " -> " + rssAfter + " MiB");
        // 5 % is the aim; the 2-core machine runs other builds, so the bound is looser
        assertTrue(with >= without * 0.85, "delivery with a stalled subscriber " + with + "/s vs " + without + "/s");
    }

    @Test
    @Order(3)
    void tenDashboardsReadingTheStreamDoNotSlowDelivery() throws Exception {
        if (stalled != null) {
            stalled.close();
            stalled = null;
        }
        int a0 = delivered();
        long ta0 = System.nanoTime();
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofSeconds(1))
                .until(() -> delivered() < BACKLOG);
        double without = (delivered() - a0) / ((System.nanoTime() - ta0) / 1e9);

        // each dashboard reads every event as it comes (100 a second here: ticks every 10 ms)
        List<Socket> sockets = new ArrayList<>();
        java.util.concurrent.atomic.AtomicIntegerArray statuses = new java.util.concurrent.atomic.AtomicIntegerArray(DASHBOARDS);
        java.util.concurrent.atomic.AtomicIntegerArray lagged = new java.util.concurrent.atomic.AtomicIntegerArray(DASHBOARDS);
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < DASHBOARDS; i++) {
            Socket s = open(0, null);
            s.setSoTimeout(5000);
            sockets.add(s);
            int n = i;
            Thread t = new Thread(() -> {
                try {
                    read(reader(s), e -> {
                        if (e.type().equals("status")) {
                            statuses.incrementAndGet(n);
                        } else if (e.type().equals("lagged")) {
                            lagged.incrementAndGet(n);
                        }
                        return false;
                    }, Integer.MAX_VALUE);
                } catch (IOException e) {
                    // closed by the test
                }
            }, "dashboard-" + i);
            t.setDaemon(true);
            t.start();
            readers.add(t);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (int i = 0; i < DASHBOARDS; i++) {
                if (statuses.get(i) == 0) {
                    return false;
                }
            }
            return true;
        });
        int b0 = delivered();
        long tb0 = System.nanoTime();
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofSeconds(1))
                .until(() -> delivered() < BACKLOG);
        double with = (delivered() - b0) / ((System.nanoTime() - tb0) / 1e9);
        int fewest = Integer.MAX_VALUE;
        int laggedTotal = 0;
        for (int i = 0; i < DASHBOARDS; i++) {
            fewest = Math.min(fewest, statuses.get(i));
            laggedTotal += lagged.get(i);
        }
        for (Socket s : sockets) {
            s.close();
        }
        System.out.printf("tenDashboardsReadingTheStreamDoNotSlowDelivery: delivered %.0f/s without, %.0f/s with %d "
                + "subscribers reading every event (ratio %.3f); fewest status events one got %d, lagged %d%n", without, with,
                DASHBOARDS, with / without, fewest, laggedTotal);
        assertTrue(fewest >= 100, "a dashboard got only " + fewest + " status events");
        // 5 % is the aim; the 2-core machine runs the test's readers and other builds, so the bound is looser
        assertTrue(with >= without * 0.85, "delivery with " + DASHBOARDS + " dashboards " + with + "/s vs " + without + "/s");
    }

    @Test
    @Order(4)
    void aReconnectWithLastEventIdResumesAfterItOrSaysWhatItMissed() throws IOException {
        String recent;
        try (Socket s = open(0, null)) {
            s.setSoTimeout(2000);
            BufferedReader in = reader(s);
            List<Sse> first = read(in, e -> e.type().equals("status"), 10);
            recent = first.get(first.size() - 1).id();
        }
        try (Socket s = open(0, recent)) {
            s.setSoTimeout(2000);
            Sse next = read(reader(s), e -> true, 1).get(0);
            assertEquals(String.valueOf(Long.parseLong(recent) + 1), next.id(), "resumes at the event after " + recent);
        }
        try (Socket s = open(0, "1")) {
            s.setSoTimeout(2000);
            List<Sse> events = read(reader(s), e -> false, 2);
            assertEquals("lagged", events.get(0).type(), "event 2 left the ring long ago: " + events);
            long missed = events.get(0).json().path("missed").asLong();
            assertEquals(Long.parseLong(events.get(1).id()) - 2, missed, "exactly the ids between: " + events);
        }
    }

    @Test
    @Order(5)
    void sigtermWithSubscribersEndsTheirStreamsWithADrainEventAndExitsPromptly() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        List<CompletableFuture<List<Sse>>> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = open(0, null);
            s.setSoTimeout((int) DRAIN_TIMEOUT.toMillis() + 5000);
            sockets.add(s);
            BufferedReader in = reader(s);
            // a dashboard that is connected: it has its first status (one still joining when the signal comes gets 503)
            assertEquals("status", read(in, e -> e.type().equals("status"), 10).stream()
                    .reduce((a, b) -> b).orElseThrow().type(), "subscriber " + i + " is served");
            // read to the final drain event, keeping only the drain events (the ticks are many), then the end of the stream
            streams.add(CompletableFuture.supplyAsync(() -> {
                try {
                    List<Sse> drains = read(in, e -> e.type().equals("drain"),
                            Integer.MAX_VALUE).stream().filter(e -> e.type().equals("drain")).toList();
                    // the chunked body's last chunk, or the connection closing: the stream ended
                    String line;
                    while ((line = in.readLine()) != null && !line.equals("0")) {
                        assertTrue(line.isEmpty(), "nothing after the final drain event but the end: " + line);
                    }
                    return drains;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        long signal = System.nanoTime();
        int exit = app.terminate(DRAIN_TIMEOUT.plusSeconds(10));
        long exitMs = (System.nanoTime() - signal) / 1_000_000;
        System.out.printf("sigtermWithSubscribersEndsTheirStreamsWithADrainEventAndExitsPromptly: exit %d in %d ms with %d "
                + "subscribers and one stalled%n", exit, exitMs, sockets.size());
        assertEquals(0, exit, "exit code; log " + app.log());
        assertTrue(exitMs < DRAIN_TIMEOUT.toMillis(), "exit within the drain timeout: " + exitMs + " ms");
        for (CompletableFuture<List<Sse>> f : streams) {
            List<Sse> drains = f.get(5, TimeUnit.SECONDS);
            assertNotNull(drains);
            // the HTTP server closes before the drain runs: the signal's drain event is the last one
            assertEquals(1, drains.size(), "the final drain event: " + drains);
            assertEquals("started", drains.get(0).json().path("phase").asText(), drains.toString());
        }
        for (Socket s : sockets) {
            s.close();
        }
    }
}
