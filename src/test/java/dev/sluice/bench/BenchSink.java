package dev.sluice.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * The downstream service of the scheduler benchmarks: answers every request 200 after a fixed
 * latency, and keeps only counters (no per-event state, so a run of millions of events costs it no
 * memory and little CPU). Unlike {@code TestSink} it records no ids: these benchmarks measure
 * rates, and ordering and delivery of every id are the integration tests' business.
 *
 * <p>With {@link #withCapacity} it is instead a server of limited capacity: so many requests served
 * at once, each for the latency, the rest queued in arrival order (none refused), as a downstream
 * service with a fixed worker pool behaves. Its throughput is servers / latency whatever is sent.
 *
 * <p>Counters: requests answered, requests held now and the peak since the last reset, and the sum
 * of hold times (arrival of the whole request to its answer), from which a window's mean hold and,
 * by Little's law, its mean number held follow.
 *
 * <p>A {@link Listener}, when one is set, is told of every answer with the request's body: what
 * ColdStartBench needs to see every record arrive. Without one the body is dropped unread.
 */
final class BenchSink implements AutoCloseable {
    /** Counters at one instant; two of them make a window. */
    record Snapshot(long nanoTime, long answered, long holdNanos) {
        /** Answers per second from {@code start} to this snapshot. */
        double ratePerSecond(Snapshot start) {
            return (answered - start.answered) * 1e9 / (nanoTime - start.nanoTime);
        }

        /** Mean time the sink held a request answered in the window, in ms. */
        double meanHoldMs(Snapshot start) {
            long n = answered - start.answered;
            return n == 0 ? 0 : (holdNanos - start.holdNanos) / 1e6 / n;
        }

        /** Requests held on average over the window (rate x mean hold, Little's law). */
        double meanHeld(Snapshot start) {
            return ratePerSecond(start) * meanHoldMs(start) / 1000;
        }
    }

    /** Told of each answered request, on the sink's event loop, with its body; keep it cheap. */
    interface Listener {
        void answered(Buffer body);
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final long latencyMs;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong holdNanos = new AtomicLong();
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    /** Requests served at once in capacity mode; 0 for "every request at once". Event-loop confined. */
    private final int servers;
    private final java.util.ArrayDeque<Runnable> queue = new java.util.ArrayDeque<>();
    private int busy;
    private volatile Listener listener;

    /** A sink that answers 200 after {@code latencyMs}, on one event loop of its own. */
    BenchSink(long latencyMs) {
        this(latencyMs, 0);
    }

    /** A sink that serves {@code servers} requests at once, {@code latencyMs} each, and queues the rest. */
    static BenchSink withCapacity(int servers, long latencyMs) {
        return new BenchSink(latencyMs, servers);
    }

    private BenchSink(long latencyMs, int servers) {
        this.latencyMs = latencyMs;
        this.servers = servers;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("localhost").setPort(0)
                .setTcpNoDelay(true)).requestHandler(this::handle);
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("bench sink did not start", e);
        }
    }

    String url(String path) {
        return "http://localhost:" + server.actualPort() + path;
    }

    long latencyMs() {
        return latencyMs;
    }

    /** From now on, tells {@code l} of every answered request (null: no one). */
    void listen(Listener l) {
        this.listener = l;
    }

    private void handle(HttpServerRequest request) {
        int now = held.incrementAndGet();
        peak.accumulateAndGet(now, Math::max);
        // the body is dropped, or kept for the listener; the hold starts once the request has fully arrived
        Listener l = listener;
        Buffer body = l == null ? null : Buffer.buffer();
        request.handler(chunk -> {
            if (body != null) {
                body.appendBuffer(chunk);
            }
        });
        request.endHandler(v -> {
            long arrived = System.nanoTime();
            if (servers == 0) {
                vertx.setTimer(latencyMs, t -> answer(request, arrived, l, body));
            } else {
                serve(request, arrived, l, body);
            }
        });
        request.exceptionHandler(e -> held.decrementAndGet());
    }

    private void answer(HttpServerRequest request, long arrived, Listener l, Buffer body) {
        holdNanos.addAndGet(System.nanoTime() - arrived);
        answered.incrementAndGet();
        held.decrementAndGet();
        request.response().setStatusCode(200).end();
        if (l != null) {
            l.answered(body);
        }
    }

    /** Capacity mode: a free server takes the request for the latency; else it waits in line. */
    private void serve(HttpServerRequest request, long arrived, Listener l, Buffer body) {
        if (busy >= servers) {
            queue.addLast(() -> serve(request, arrived, l, body));
            return;
        }
        busy++;
        vertx.setTimer(latencyMs, t -> {
            answer(request, arrived, l, body);
            busy--;
            Runnable next = queue.pollFirst();
            if (next != null) {
                next.run();
            }
        });
    }

    Snapshot snapshot() {
        // answered before holdNanos is read would undercount the hold of one request at most
        return new Snapshot(System.nanoTime(), answered.get(), holdNanos.get());
    }

    long answered() {
        return answered.get();
    }

    int held() {
        return held.get();
    }

    /** Largest number of requests held at once since the last {@link #resetPeak()}. */
    int peak() {
        return peak.get();
    }

    void resetPeak() {
        peak.set(held.get());
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing a benchmark server: nothing useful to do with a failure here
        }
    }
}
