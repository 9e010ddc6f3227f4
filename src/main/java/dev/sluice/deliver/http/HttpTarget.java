package dev.sluice.deliver.http;

import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.config.SluiceConfig;
import dev.sluice.config.Route;
import dev.sluice.config.UrlRedaction;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.deliver.DeliveryTracing;
import dev.sluice.deliver.Target;
import dev.sluice.pipeline.Event;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;

/**
 * The HTTP {@link Target}: sends one delivery attempt to a route's HTTP endpoint: POST of the record value, headers from
 * {@link HeaderMapping}. Non-blocking (Vert.x HTTP client). The route's timeout bounds the whole
 * exchange, connect to last byte, and a request that runs out of it is aborted on the wire
 * ({@link HttpExchange}), so requests on the wire never outnumber the route's permits. Answers
 * are classified, never thrown: the caller sees an {@link AttemptOutcome}. Response bodies are
 * read and discarded, never buffered, so a sink cannot make us hold a large answer.
 */
@ApplicationScoped
public class HttpTarget implements Target {
    private final io.vertx.core.Vertx vertx;
    private final HttpClient client;
    private final EventLoops loops;
    private final Clock clock = Clock.systemUTC();

    private final DeliveryTracing tracing;

    HttpTarget(Vertx vertx, DeliveryTracing tracing) {
        this.tracing = tracing;
        this.vertx = vertx.getDelegate();
        // connections are opened on demand; permits keep requests below the global limit, which
        // may grow at run time up to this ceiling
        int pool = SluiceConfig.MAX_IN_FLIGHT_CEILING;
        HttpClientOptions options = new HttpClientOptions()
                .setMaxPoolSize(pool)
                .setHttp2MaxPoolSize(pool)
                // requests beyond the pool wait here; our permits keep it below the pool size anyway
                .setMaxWaitQueueSize(pool)
                .setKeepAlive(true)
                .setTryUseCompression(false)
                // the route's timeout bounds the connect too; this only caps a very long one
                .setConnectTimeout(10_000);
        this.client = this.vertx.createHttpClient(options);
        this.loops = new EventLoops(this.vertx);
    }

    /** Routes whose target URL is http or https (config validation admits no other). */
    @Override
    public boolean serves(Route route) {
        String scheme = route.targetUrl().getScheme();
        return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
    }

    /** One attempt; {@code attemptSpan} is the attempt's trace span, whose context the target receives. */
    @Override
    public Uni<AttemptOutcome> send(Route route, Event event, Span attemptSpan) {
        Map<String, String> headers = HeaderMapping.toHttp(event, route.forwardHeaders());
        tracing.inject(attemptSpan, headers);
        URI url = route.targetUrl();
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(withoutUserInfo(url))
                // never followed: a redirect is the target's answer (a terminal 3xx)
                .setFollowRedirects(false)
                .putHeader(HttpHeaders.USER_AGENT, "sluice");
        headers.forEach(request::putHeader);
        if (url.getRawUserInfo() != null) {
            // the Vert.x client drops a URL's userinfo: sent as Basic authentication, as curl does.
            // Never a record's Authorization: HeaderMapping does not forward one
            request.putHeader(HttpHeaders.AUTHORIZATION, basicAuthorization(url));
        }
        Buffer body = event.value() == null ? Buffer.buffer() : Buffer.buffer(event.value());
        return HttpExchange.send(vertx, loops.next(), client, request, body, route.timeout().toMillis(), this::classify)
                // an error's text comes from the HTTP client and may quote the URL: never its credentials
                .map(o -> o.status() == 0 ? new AttemptOutcome(o.kind(), 0, UrlRedaction.scrub(o.reason(), route.targetUrl()),
                        o.retryAfter()) : o);
    }

    /** {@code Basic base64(user:password)} from a URL's userinfo, percent-decoded (RFC 7617). */
    static String basicAuthorization(URI url) {
        String userInfo = URLDecoder.decode(url.getRawUserInfo().replace("+", "%2B"), StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** The URL for the request line and Host header: a sender must not send userinfo (RFC 9110 4.2.4). */
    static String withoutUserInfo(URI url) {
        String text = url.toString();
        return url.getRawUserInfo() == null ? text : text.replaceFirst("//" + java.util.regex.Pattern.quote(url.getRawUserInfo()) + "@", "//");
    }

    private AttemptOutcome classify(HttpClientResponse response) {
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
