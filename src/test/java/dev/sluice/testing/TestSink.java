package dev.sluice.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * A real HTTP server standing in for downstream services. Each path has a behaviour (status,
 * delay, headers, as a function of the event id and the attempt number for that id) and keeps
 * measurements: requests per id, ids accepted with 2xx, the headers last seen per id, and the
 * largest number of requests it held at the same time, and when each request arrived. A path
 * can also be given a capacity ({@link #capacity}): a server that serves so many requests at once
 * and queues the rest. The request body is the event id.
 */
public final class TestSink implements AutoCloseable {

    /** What to answer: status, delay before answering (ms), extra response headers. */
    public record Reply(int status, long delayMs, Map<String, String> headers) {
        static final long HELD = -1;

        public static Reply ok() {
            return new Reply(200, 0, Map.of());
        }

        public static Reply ok(long delayMs) {
            return new Reply(200, delayMs, Map.of());
        }

        public static Reply status(int status) {
            return new Reply(status, 0, Map.of());
        }

        /** 200, but only once the test calls {@link TestSink#releaseHeld()}. */
        public static Reply held() {
            return held(200);
        }

        /** {@code status}, but only once the test calls {@link TestSink#releaseHeld()}. */
        public static Reply held(int status) {
            return new Reply(status, HELD, Map.of());
        }
    }

    /**
     * An accepted request: the {@link System#nanoTime()} at which it had fully arrived (before any
     * reply delay) and at which its answer went out. Only comparable with nanoTime readings taken
     * in this JVM.
     */
    public record Arrival(String id, long nanoTime, long answeredNanoTime) {
    }

    /** Measurements of one path. */
    public static final class PathStats {
        final AtomicInteger current = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        final Set<String> accepted = ConcurrentHashMap.newKeySet();
        final ConcurrentLinkedQueue<String> acceptedLog = new ConcurrentLinkedQueue<>();
        /** acceptedLog's size, which the queue itself can only count by walking it. */
        final AtomicInteger acceptedTotal = new AtomicInteger();
        final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
        final Map<String, MultiMap> headers = new ConcurrentHashMap<>();
        /** Arrival time (nanoTime) of every request, whatever its answer, in order of arrival. */
        final ConcurrentLinkedQueue<Long> requestArrivals = new ConcurrentLinkedQueue<>();
        final AtomicInteger inService = new AtomicInteger();

        public int maxConcurrency() {
            return max.get();
        }

        /** Requests held right now. */
        public int currentConcurrency() {
            return current.get();
        }

        /** Starts a new measurement of the largest concurrency from the current level. */
        public void resetMaxConcurrency() {
            max.set(current.get());
        }

        public Set<String> accepted() {
            return Set.copyOf(accepted);
        }

        /** Ids of every 2xx answer in order, duplicates included. */
        public List<String> acceptedLog() {
            return List.copyOf(acceptedLog);
        }

        /** Every 2xx answer in order of answering, duplicates included, with its arrival time. */
        public List<Arrival> arrivals() {
            return List.copyOf(arrivals);
        }

        /** 2xx answers in all, duplicates included. Cheap enough to poll. */
        public int acceptedCount() {
            return acceptedTotal.get();
        }

        public int attempts(String id) {
            AtomicInteger a = attempts.get(id);
            return a == null ? 0 : a.get();
        }

        public MultiMap headersOf(String id) {
            return headers.get(id);
        }

        public int requests() {
            return attempts.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        /** When each request arrived ({@link System#nanoTime()}), whatever its answer, in arrival order. */
        public List<Long> requestArrivals() {
            return List.copyOf(requestArrivals);
        }

        /** Requests being served right now on a path with a {@link TestSink#capacity} (not counting the queue). */
        public int inService() {
            return inService.get();
        }
    }

    /** A server of limited capacity in front of a path: so many requests at once, each for a fixed time; the rest wait in FIFO order. */
    private static final class Servers {
        final int count;
        final long serviceMs;
        final java.util.ArrayDeque<Runnable> queue = new java.util.ArrayDeque<>();
        int busy;

        Servers(int count, long serviceMs) {
            this.count = count;
            this.serviceMs = serviceMs;
        }
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final Map<String, BiFunction<String, Integer, Reply>> behaviours = new ConcurrentHashMap<>();
    private final Map<String, PathStats> stats = new ConcurrentHashMap<>();
    private final AtomicInteger totalCurrent = new AtomicInteger();
    private final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
    private volatile boolean releasedHeld;
    private final AtomicInteger totalMax = new AtomicInteger();
    private final Map<String, Servers> capacities = new ConcurrentHashMap<>();

    public TestSink() {
        this.vertx = Vertx.vertx();
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("localhost").setPort(0))
                .requestHandler(this::handle);
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("test sink did not start", e);
        }
    }

    public int port() {
        return server.actualPort();
    }

    public String url(String path) {
        return "http://localhost:" + port() + path;
    }

    /** Sets how {@code path} answers: a function of (event id, attempt number for that id, from 1). */
    public TestSink on(String path, BiFunction<String, Integer, Reply> behaviour) {
        behaviours.put(path, behaviour);
        return this;
    }

    /**
     * Makes {@code path} a server that serves at most {@code servers} requests at once, each for
     * {@code serviceMs}, and queues the rest in arrival order (nothing is refused): 200 after
     * queueing plus service. Its throughput is servers / serviceMs whatever the concurrency sent.
     */
    public TestSink capacity(String path, int servers, long serviceMs) {
        capacities.put(path, new Servers(servers, serviceMs));
        return on(path, (id, attempt) -> Reply.ok());
    }

    /** Largest number of requests held at once across all paths since the last reset. */
    public int maxTotalConcurrency() {
        return totalMax.get();
    }

    public void resetMaxTotalConcurrency() {
        totalMax.set(totalCurrent.get());
    }

    public PathStats stats(String path) {
        return stats.computeIfAbsent(path, p -> new PathStats());
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        PathStats s = stats(path);
        int now = s.current.incrementAndGet();
        s.max.accumulateAndGet(now, Math::max);
        totalMax.accumulateAndGet(totalCurrent.incrementAndGet(), Math::max);
        request.body().onComplete(ar -> {
            if (ar.failed()) {
                s.current.decrementAndGet();
                totalCurrent.decrementAndGet();
                return;
            }
            long arrived = System.nanoTime();
            s.requestArrivals.add(arrived);
            String id = ar.result().toString(StandardCharsets.UTF_8);
            int attempt = s.attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            s.headers.put(id, MultiMap.caseInsensitiveMultiMap().addAll(request.headers()));
            BiFunction<String, Integer, Reply> behaviour = behaviours.getOrDefault(path, (i, a) -> Reply.status(404));
            Reply reply = behaviour.apply(id, attempt);
            Runnable answer = () -> {
                if (reply.status() >= 200 && reply.status() < 300) {
                    s.accepted.add(id);
                    s.acceptedLog.add(id);
                    s.arrivals.add(new Arrival(id, arrived, System.nanoTime()));
                    s.acceptedTotal.incrementAndGet();
                }
                // the request counts as in flight until its answer is written
                s.current.decrementAndGet();
                totalCurrent.decrementAndGet();
                var response = request.response().setStatusCode(reply.status());
                reply.headers().forEach(response::putHeader);
                response.end();
            };
            Servers servers = capacities.get(path);
            if (servers != null) {
                serve(servers, s, answer);
            } else if (reply.delayMs() == Reply.HELD && !releasedHeld) {
                held.add(() -> vertx.runOnContext(v -> answer.run()));
                if (releasedHeld) {
                    releaseHeld();
                }
            } else if (reply.delayMs() > 0) {
                vertx.setTimer(reply.delayMs(), t -> answer.run());
            } else {
                answer.run();
            }
        });
    }

    private void serve(Servers servers, PathStats s, Runnable answer) {
        synchronized (servers) {
            if (servers.busy >= servers.count) {
                servers.queue.addLast(() -> serve(servers, s, answer));
                return;
            }
            servers.busy++;
        }
        s.inService.incrementAndGet();
        vertx.setTimer(servers.serviceMs, t -> {
            s.inService.decrementAndGet();
            answer.run();
            Runnable next;
            synchronized (servers) {
                servers.busy--;
                next = servers.queue.pollFirst();
            }
            if (next != null) {
                next.run();
            }
        });
    }

    /** Answers every held request, and from now on answers held replies at once. */
    public void releaseHeld() {
        releasedHeld = true;
        Runnable r;
        while ((r = held.poll()) != null) {
            r.run();
        }
    }

    /** Every id in {@code expected} that the path has not accepted yet (for readable failures). */
    public List<String> missing(String path, Iterable<String> expected) {
        Set<String> got = stats(path).accepted;
        List<String> missing = new java.util.ArrayList<>();
        expected.forEach(id -> {
            if (!got.contains(id)) {
                missing.add(id);
            }
        });
        return missing;
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing a test server: nothing useful to do with a failure here
        }
    }
}
