package dev.sluice.deliver;

import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.config.SluiceConfig;
import dev.sluice.config.Route;
import dev.sluice.config.UrlRedaction;
import dev.sluice.intake.Event;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClosedException;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import io.vertx.mutiny.ext.web.codec.BodyCodec;

/**
 * Sends one delivery attempt to a route's HTTP endpoint: POST of the record value, headers from
 * {@link HeaderMapping}. Non-blocking (Vert.x web client); every attempt is bounded by the route's
 * timeout. Answers are classified, never thrown: the caller sees an {@link AttemptOutcome}.
 * Response bodies are discarded unread, so a sink cannot make us buffer a large answer.
 */
@ApplicationScoped
public class HttpTarget {
    /** Grace on top of the Vert.x request timeout, for the rare case it does not fire. */
    private static final Duration TIMEOUT_SAFETY_NET = Duration.ofSeconds(1);

    private final WebClient client;
    private final Clock clock = Clock.systemUTC();

    private final DeliveryTracing tracing;

    HttpTarget(Vertx vertx, DeliveryTracing tracing) {
        this.tracing = tracing;
        // connections are opened on demand; permits keep requests below the global limit, which
        // may grow at run time up to this ceiling
        int pool = SluiceConfig.MAX_IN_FLIGHT_CEILING;
        WebClientOptions options = new WebClientOptions()
                .setMaxPoolSize(pool)
                .setHttp2MaxPoolSize(pool)
                // requests beyond the pool wait here; our permits keep it below the pool size anyway
                .setMaxWaitQueueSize(pool)
                .setKeepAlive(true)
                .setFollowRedirects(false)
                .setTryUseCompression(false)
                .setConnectTimeout(10_000)
                .setUserAgent("sluice");
        this.client = WebClient.create(vertx, options);
    }

    /** One attempt; {@code attemptSpan} is the attempt's trace span, whose context the target receives. */
    public Uni<AttemptOutcome> send(Route route, Event event, Span attemptSpan) {
        Map<String, String> headers = HeaderMapping.toHttp(event, route.forwardHeaders());
        tracing.inject(attemptSpan, headers);
        long timeoutMs = route.timeout().toMillis();
        HttpRequest<Void> request = client.postAbs(route.targetUrl().toString())
                .timeout(timeoutMs)
                .as(BodyCodec.none());
        headers.forEach(request::putHeader);
        Buffer body = event.value() == null ? Buffer.buffer() : Buffer.buffer(event.value());
        return request.sendBuffer(body)
                .ifNoItem().after(route.timeout().plus(TIMEOUT_SAFETY_NET)).fail()
                .map(this::classify)
                .onFailure().recoverWithItem(t -> AttemptOutcome.ofError(UrlRedaction.scrub(describe(t, timeoutMs), route.targetUrl())));
    }

    private AttemptOutcome classify(HttpResponse<Void> response) {
        return AttemptOutcome.ofStatus(response.statusCode(), response.statusMessage(),
                RetryAfter.parse(response.getHeader("Retry-After"), clock));
    }

    static String describe(Throwable t, long timeoutMs) {
        if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
            return "timeout after " + timeoutMs + " ms";
        }
        if (t instanceof ConnectException) {
            return "connection refused: " + t.getMessage();
        }
        if (t instanceof HttpClosedException) {
            return "connection closed by the target";
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @PreDestroy
    void close() {
        client.close();
    }
}
