package dev.sluice.testing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * A real OAuth2 token endpoint for tests (RFC 6749 4.4, client_secret_basic): checks the client's
 * Basic credentials (the client secret it accepts can be changed, as an IdP's when a secret is
 * rotated), issues a new random token per request with the configured lifetime, and remembers
 * when each expires, so a sink can accept only a currently valid token. Every request is kept
 * (its Authorization header and form body). The answer of the n-th request (from 1) can be
 * replaced ({@link #answer}); null from that function: the usual token.
 */
public final class TokenEndpoint implements AutoCloseable {
    /** A request as the endpoint saw it. */
    public record Request(String path, String authorization, String contentType, String body) {
    }

    /** An answer given instead of a token; {@code delayMs} &lt; 0: never answered. */
    public record Answer(int status, String body, long delayMs) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final String clientId;
    private final java.util.Set<String> clientSecrets = new java.util.concurrent.CopyOnWriteArraySet<>();
    private volatile Duration lifetime;
    private volatile boolean sendExpiresIn = true;
    private volatile IntFunction<Answer> answers = n -> null;
    private final AtomicInteger count = new AtomicInteger();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    /** Token to its expiry, System.nanoTime(). */
    private final Map<String, Long> expiries = new ConcurrentHashMap<>();

    public TokenEndpoint(String clientId, String clientSecret, Duration lifetime) {
        this.clientId = clientId;
        this.clientSecrets.add(clientSecret);
        this.lifetime = lifetime;
        this.server = vertx.createHttpServer().requestHandler(this::handle);
        try {
            server.listen(0, "localhost").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("token endpoint did not start", e);
        }
    }

    public String url(String path) {
        return "http://localhost:" + server.actualPort() + path;
    }

    /** Replaces the answer of the n-th request (from 1) when {@code answers} gives one. */
    public TokenEndpoint answer(IntFunction<Answer> answers) {
        this.answers = answers;
        return this;
    }

    /** The secret accepted from now on, and no other. */
    public void acceptSecret(String secret) {
        clientSecrets.add(secret);
        clientSecrets.retainAll(java.util.Set.of(secret));
    }

    /** A secret accepted too, as while a client's secret is rotated at the IdP. */
    public void alsoAccept(String secret) {
        clientSecrets.add(secret);
    }

    public void lifetime(Duration lifetime, boolean sendExpiresIn) {
        this.lifetime = lifetime;
        this.sendExpiresIn = sendExpiresIn;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Tokens issued, in order. */
    public List<String> issued() {
        return List.copyOf(issued);
    }

    /** True while {@code token} was issued here and has not expired. */
    public boolean valid(String token) {
        Long expiry = expiries.get(token);
        return expiry != null && System.nanoTime() - expiry < 0;
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            String form = body.toString(StandardCharsets.UTF_8);
            String authorization = req.getHeader("Authorization");
            requests.add(new Request(req.path(), authorization, req.getHeader("Content-Type"), form));
            Answer answer = answers.apply(count.incrementAndGet());
            if (answer != null) {
                if (answer.delayMs() < 0) {
                    return; // never answered
                }
                vertx.setTimer(Math.max(1, answer.delayMs()), t -> req.response().setStatusCode(answer.status())
                        .putHeader("Content-Type", "application/json").end(answer.body()));
                return;
            }
            if (!authenticates(authorization) || !form.startsWith("grant_type=client_credentials")) {
                req.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"invalid_client\"}");
                return;
            }
            String token = "tok-" + UUID.randomUUID();
            Duration life = lifetime;
            expiries.put(token, System.nanoTime() + life.toNanos());
            issued.add(token);
            req.response().putHeader("Content-Type", "application/json").end("{\"access_token\":\"" + token
                    + "\",\"token_type\":\"Bearer\"" + (sendExpiresIn ? ",\"expires_in\":" + life.toSeconds() : "") + "}");
        });
    }

    /** RFC 6749 2.3.1: Basic of the form-encoded id and secret. */
    private boolean authenticates(String authorization) {
        if (authorization == null || !authorization.startsWith("Basic ")) {
            return false;
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = pair.indexOf(':');
        return colon > 0 && clientId.equals(URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8))
                && clientSecrets.contains(URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8));
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
