package dev.sluice.deliver.http;

import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import dev.sluice.config.Credentials;
import dev.sluice.config.SecretRef;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.SecretSource;
import dev.sluice.config.Secrets;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.Route;
import dev.sluice.config.WebhookSecret;
import dev.sluice.config.UrlRedaction;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.deliver.DeliveryTracing;
import dev.sluice.deliver.Target;
import dev.sluice.pipeline.Event;
import io.opentelemetry.api.trace.Span;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
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
 *
 * <p>A route's credentials ({@link Credentials}) are added last: its headers, their values from
 * {@link Secrets} (in memory; read on a worker when not yet known), and the Standard Webhooks
 * signature ({@link WebhookSignature}), computed for each attempt, on a worker for bodies above
 * {@value #INLINE_SIGN_BYTES} bytes. A secret that cannot be read fails the attempt (retriable),
 * its reason naming the reference only. With {@code target.oauth2}, the route's token is added as
 * {@code Authorization: Bearer} and a 401 gets one fresh token and one resend ({@link OAuth2Authorization}).
 *
 * <p>A route with {@code target.tls} (a client certificate, a CA) goes through its own client
 * ({@link TlsClients}); a TLS handshake that fails (the target refuses our certificate or its
 * missing one, an unknown CA) is a retriable attempt, reason {@code TLS handshake failed: ...}.
 */
@ApplicationScoped
public class HttpTarget implements Target {
    private final io.vertx.core.Vertx vertx;
    private final HttpClient client;
    private final EventLoops loops;
    /** Bodies up to this size are signed on the calling thread (microseconds); larger ones on a worker. */
    static final int INLINE_SIGN_BYTES = 64 * 1024;

    private final Clock clock;

    private final DeliveryTracing tracing;
    private final Secrets secrets;
    private final Executor workers = task -> Infrastructure.getDefaultWorkerPool().execute(task);
    private final OAuth2TokenClient tokenClient;
    private final OAuth2Authorization oauth2;
    private final TlsClients tlsClients;

    HttpTarget(Vertx vertx, DeliveryTracing tracing) {
        this(vertx, tracing, new Secrets(), Clock.systemUTC());
    }

    @Inject
    HttpTarget(Vertx vertx, DeliveryTracing tracing, Secrets secrets) {
        this(vertx, tracing, secrets, Clock.systemUTC());
    }

    /** {@code clock}: the time of each attempt, the {@code webhook-timestamp} of signed requests. */
    HttpTarget(Vertx vertx, DeliveryTracing tracing, Secrets secrets, Clock clock) {
        this.tracing = tracing;
        this.secrets = secrets;
        this.clock = clock;
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
        this.tokenClient = new OAuth2TokenClient(this.vertx);
        this.oauth2 = new OAuth2Authorization(new OAuth2Tokens(tokenClient, System::nanoTime), secrets);
        this.tlsClients = new TlsClients(this.vertx, options, secrets.tls(), workers);
    }

    /** Each config in force: the TLS clients no route names any more are closed after their last exchange. */
    void watchConfig(@Observes StartupEvent start, CurrentConfig config) {
        config.changes().subscribe().with(v -> tlsClients.retain(v.value()));
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
        Credentials credentials = route.credentials();
        Map<String, String> headers = HeaderMapping.toHttp(event, route.forwardHeaders(), credentials.headerNames());
        tracing.inject(attemptSpan, headers);
        if (credentials.none()) {
            return exchange(route, event, headers);
        }
        return secrets.values(credentials.refs())
                .chain(values -> withCredentials(credentials, event, headers, values))
                .onItemOrFailure().transformToUni((signed, failure) -> failure != null
                        ? Uni.createFrom().item(AttemptOutcome.ofError("credentials unavailable: " + shown(failure)))
                        : credentials.oauth2() == null ? exchange(route, event, signed)
                        : oauth2.send(route, signed, h -> exchange(route, event, h)));
    }

    /** The headers with the route's own added: the secrets' values, the signature when the route signs. */
    private Uni<Map<String, String>> withCredentials(Credentials credentials, Event event, Map<String, String> mapped,
            Map<SecretRef, String> values) {
        Map<String, String> headers = new LinkedHashMap<>(mapped);
        credentials.headers().forEach((name, h) -> headers.put(name, h.prefix() + values.get(h.secret())));
        if (credentials.signingSecrets().isEmpty()) {
            return Uni.createFrom().item(headers);
        }
        List<byte[]> keys = new ArrayList<>(credentials.signingSecrets().size());
        for (SecretRef ref : credentials.signingSecrets()) {
            try {
                keys.add(WebhookSecret.decode(values.get(ref)));
            } catch (IllegalArgumentException e) {
                // checked at the door; a file rotated since to something else lands here
                return Uni.createFrom().failure(new IllegalArgumentException(ref + ": " + e.getMessage()));
            }
        }
        String id = headers.get(HeaderMapping.IDEMPOTENCY_KEY);
        long timestamp = clock.instant().getEpochSecond();
        Uni<Map<String, String>> signed = Uni.createFrom().item(() -> {
            headers.put(WebhookSignature.ID, id);
            headers.put(WebhookSignature.TIMESTAMP, Long.toString(timestamp));
            headers.put(WebhookSignature.SIGNATURE, WebhookSignature.sign(keys, id, timestamp, event.value()));
            return headers;
        });
        return event.value() != null && event.value().length > INLINE_SIGN_BYTES ? signed.runSubscriptionOn(workers) : signed;
    }

    /** Why credentials could not be added, as it may be shown: our own messages name references only. */
    private static String shown(Throwable t) {
        return t instanceof SecretSource.UnavailableException || t instanceof IllegalArgumentException ? t.getMessage()
                : t.getClass().getSimpleName();
    }

    private Uni<AttemptOutcome> exchange(Route route, Event event, Map<String, String> headers) {
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
        Uni<AttemptOutcome> sent = route.credentials().tls().none()
                ? HttpExchange.send(vertx, loops.next(), client, request, body, route.timeout().toMillis(), this::classify)
                : tlsClients.send(route.credentials().tls(), c -> HttpExchange.send(vertx, loops.next(), c, request, body,
                        route.timeout().toMillis(), this::classify));
        return sent
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
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException) {
                return "TLS handshake failed: " + c.getMessage();
            }
        }
        if (t instanceof HttpClosedException) {
            return "connection closed by the target";
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** The TLS clients: for tests. */
    TlsClients tlsClients() {
        return tlsClients;
    }

    @PreDestroy
    void close() {
        client.close();
        tokenClient.close();
        tlsClients.close();
    }
}
