package dev.sluice.deliver.http;

import java.time.Clock;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import dev.sluice.outcome.AttemptOutcome;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.impl.ContextInternal;

/**
 * One POST, from asking the pool for a connection to the last byte of the answer, bounded by one
 * deadline (the route's timeout) and aborted on the wire when it passes or the caller cancels.
 *
 * <pre>
 *   begin --> connection (pool) --> request sent --> response head --> body read, discarded --> end
 *     |            |                     |                 |                                     +--> outcome of the status
 *     |            +---------------------+-----------------+-- fails -----------------------------> error outcome
 *     +-- deadline: reset the request (HTTP/1.1: its connection is closed), then --------------> timeout outcome
 *     +-- cancelled: reset the request, no outcome
 * </pre>
 *
 * Not the clients' own timeouts: {@code RequestOptions.setTimeout} (what the web client's
 * {@code HttpRequest.timeout} sets) is, in Vert.x 4.5, a connect timeout plus an idle timeout,
 * re-armed by every chunk that arrives: a target that trickles its body never times out. And
 * cancelling a Uni of the Mutiny bindings only ignores the result (AsyncResultUni), leaving the
 * request on the wire while its route permit goes back. The timeout outcome is given once the
 * reset has failed the exchange, so its connection is closed before the permit is free.
 *
 * <p>Every step runs on one Vert.x context (an event loop), so the state needs no lock; a
 * cancellation from another thread is handed to that context. The answer's body is read and
 * dropped chunk by chunk: never buffered, so a target cannot make us hold a large answer.
 */
final class HttpExchange {
    /** After a reset, how long to wait for it to fail the exchange before giving the timeout anyway. */
    private static final long RESET_GRACE_MS = 1000;

    private final Vertx vertx;
    private final Context context;
    private final HttpClient client;
    private final RequestOptions options;
    private final Buffer body;
    private final long timeoutMs;
    private final Function<HttpClientResponse, AttemptOutcome> classify;

    private UniEmitter<? super AttemptOutcome> emitter;
    /** Null until the pool gives a connection. */
    private HttpClientRequest request;
    private long timer = -1;
    private boolean timedOut;
    /** The outcome was given, or the caller cancelled: nothing more to do but abort. */
    private boolean done;

    private HttpExchange(Vertx vertx, Context context, HttpClient client, RequestOptions options, Buffer body,
            long timeoutMs, Function<HttpClientResponse, AttemptOutcome> classify) {
        this.vertx = vertx;
        this.context = context;
        this.client = client;
        this.options = options;
        this.body = body;
        this.timeoutMs = timeoutMs;
        this.classify = classify;
    }

    /**
     * The exchange as a Uni, run on {@code context} (an event loop's): each subscription sends once;
     * cancelling it aborts the request.
     */
    static Uni<AttemptOutcome> send(Vertx vertx, Context context, HttpClient client, RequestOptions options, Buffer body,
            long timeoutMs, Function<HttpClientResponse, AttemptOutcome> classify) {
        return Uni.createFrom().deferred(() -> {
            HttpExchange exchange = new HttpExchange(vertx, context, client, options, body, timeoutMs, classify);
            return Uni.createFrom().<AttemptOutcome> emitter(e -> exchange.onContext(() -> exchange.begin(e)))
                    .onCancellation().invoke(() -> exchange.onContext(exchange::cancel));
        });
    }

    /**
     * Runs {@code step} on the exchange's context: at once when this thread is its event loop (the
     * context made current for the step), else as a task of that loop.
     */
    private void onContext(Runnable step) {
        ContextInternal target = (ContextInternal) context;
        if (target.nettyEventLoop().inEventLoop()) {
            target.dispatch(step);
        } else {
            target.runOnContext(v -> step.run());
        }
    }

    static AttemptOutcome timeout(long timeoutMs) {
        return AttemptOutcome.ofError("timeout after " + timeoutMs + " ms");
    }

    private void begin(UniEmitter<? super AttemptOutcome> emitter) {
        if (done) {
            return; // cancelled before it began
        }
        this.emitter = emitter;
        timer = vertx.setTimer(timeoutMs, t -> onDeadline());
        client.request(options).onComplete(ar -> {
            if (ar.succeeded()) {
                onConnection(ar.result());
            } else {
                onFailure(ar.cause());
            }
        });
    }

    private void onConnection(HttpClientRequest req) {
        if (done || timedOut) {
            req.reset(); // nothing written yet: the request is dropped and the connection goes back
            return;
        }
        request = req;
        req.send(body).onComplete(ar -> {
            if (ar.succeeded()) {
                onResponse(ar.result());
            } else {
                onFailure(ar.cause());
            }
        });
    }

    private void onResponse(HttpClientResponse response) {
        response.handler(chunk -> {
            // read and dropped: the status says all we need
        });
        response.end().onComplete(ar -> {
            if (ar.succeeded()) {
                finish(classify.apply(response));
            } else {
                onFailure(ar.cause());
            }
        });
    }

    private void onFailure(Throwable t) {
        finish(timedOut ? timeout(timeoutMs) : AttemptOutcome.ofError(HttpTarget.describe(t, timeoutMs)));
    }

    private void onDeadline() {
        if (done) {
            return;
        }
        timedOut = true;
        if (request == null) {
            // still waiting for a connection: nothing of ours on the wire
            finish(timeout(timeoutMs));
            return;
        }
        request.reset(0, new TimeoutException("timeout after " + timeoutMs + " ms"));
        // the reset fails the exchange (onFailure); should it not, the outcome is given anyway
        timer = vertx.setTimer(RESET_GRACE_MS, t -> finish(timeout(timeoutMs)));
    }

    private void cancel() {
        if (done) {
            return;
        }
        done = true;
        vertx.cancelTimer(timer);
        if (request != null) {
            request.reset();
        }
    }

    private void finish(AttemptOutcome outcome) {
        if (done) {
            return;
        }
        done = true;
        vertx.cancelTimer(timer);
        emitter.complete(outcome);
    }
}
