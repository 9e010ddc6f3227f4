package dev.sluice.deliver.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.OAuth2;
import dev.sluice.config.SecretCheck;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UrlRedaction;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * The OAuth2 client credentials grant on the wire (RFC 6749 section 4.4): a POST of
 * {@code grant_type=client_credentials[&scope=..][&audience=..]} to the token endpoint, the
 * client authenticated with {@code client_secret_basic} (section 2.3.1: id and secret
 * form-encoded, then Basic). Non-blocking (the Vert.x core HTTP client, on an event loop), one
 * deadline for the whole call (the route's timeout; the request is reset when it passes), the
 * answer read up to {@value #MAX_ANSWER_BYTES} bytes. Every failure is a {@link OAuth2Tokens.Failure}
 * whose reason names the endpoint as it may be shown ({@link UrlRedaction}) and what went wrong:
 * {@code oauth2 token endpoint https://idp.example/token: HTTP 503}, {@code ...: timeout after 10000 ms},
 * {@code ...: connection refused}, {@code ...: answer is not JSON}. Never the secret, the token or
 * the answer's body (only the RFC 6749 {@code error} code of a refusal, when it is a plain word).
 *
 * <p><b>Why not quarkus-oidc-client.</b> It resolves here and an {@code OidcClient} can be built at
 * run time ({@code OidcClients.newClient}), so per-route configuration alone would not rule it out.
 * Its {@code OidcClientImpl} (quarkusio/quarkus, extensions/oidc-client/runtime/src/main/java/io/quarkus/oidc/client/
 * runtime/OidcClientImpl.java, at commit 00a4e163; not checked against the 3.33.2 jar itself) was read for this: the DEBUG line of every token request ("Get token: url..., headers..., request
 * params...") now masks the Authorization header and the form data (older releases, e.g. commit
 * df000e42, did not mask; a previous attempt's claim that it logs the secret holds for those only),
 * but on a refused grant it logs the token endpoint's whole answer body at DEBUG and makes that body
 * the exception's message, and on a connection failure logs a WARN with the cause and throws only
 * "OIDC Server is not available": the reasons this route needs (HTTP 503, timeout, refused,
 * malformed) are lost, and an IdP's body would reach logs and dead letters. It also retries
 * connection failures itself ({@code connection-retry-count}, default 3) inside one attempt, on top
 * of the route's retry policy; binds the client secret when the client is built, so a rotated
 * Secret file means rebuilding one client (and its connection pool) per route; and leaves caching
 * and single flight to its filters. So the few lines below, on the Vert.x client HttpTarget already
 * uses, do exactly what the route needs.
 */
final class OAuth2TokenClient implements OAuth2Tokens.Endpoint {
    /** Largest answer read from a token endpoint. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An RFC 6749 5.2 error code as it may be shown. */
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final Vertx vertx;
    private final HttpClient client;
    private final EventLoops loops;

    OAuth2TokenClient(Vertx vertx) {
        this.vertx = vertx;
        // its own client: one request per route at a time, and none of the targets' connection settings
        this.client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(8).setKeepAlive(true)
                .setMaxWaitQueueSize(2 * SluiceConfig.MAX_ROUTES).setTryUseCompression(false).setConnectTimeout(10_000));
        this.loops = new EventLoops(vertx);
    }

    @Override
    public Uni<OAuth2Tokens.Token> fetch(OAuth2 oauth2, String clientSecret, long timeoutMs) {
        return Uni.createFrom().emitter(e -> {
            Call call = new Call(loops.next(), oauth2, clientSecret, timeoutMs, e);
            call.context.runOnContext(v -> call.begin());
        });
    }

    void close() {
        client.close();
    }

    /** The form body: grant_type, and scope and audience when the route gives them. */
    static String form(OAuth2 oauth2) {
        StringBuilder form = new StringBuilder("grant_type=client_credentials");
        if (oauth2.scope() != null) {
            form.append("&scope=").append(URLEncoder.encode(oauth2.scope(), StandardCharsets.UTF_8));
        }
        if (oauth2.audience() != null) {
            form.append("&audience=").append(URLEncoder.encode(oauth2.audience(), StandardCharsets.UTF_8));
        }
        return form.toString();
    }

    /** RFC 6749 2.3.1: {@code Basic base64(urlencode(id):urlencode(secret))}. */
    static String basic(String clientId, String clientSecret) {
        String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The token in a 2xx answer, or why there is none: access_token a legal header value,
     * token_type Bearer (case-insensitive; absent is taken as Bearer), expires_in seconds (absent:
     * {@link OAuth2Tokens#DEFAULT_LIFETIME}).
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the answer
     */
    static OAuth2Tokens.Token parse(byte[] answer) {
        JsonNode json;
        try {
            json = JSON.readTree(answer);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("answer is not JSON");
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("answer is not a JSON object");
        }
        JsonNode token = json.get("access_token");
        if (token == null || !token.isTextual() || token.asText().isEmpty()) {
            throw new IllegalArgumentException("answer has no access_token");
        }
        if (token.asText().length() > SecretCheck.MAX_HEADER_VALUE - 7 || !HeaderMapping.legalValue(token.asText())
                || token.asText().contains(" ")) {
            throw new IllegalArgumentException("access_token is not usable in an Authorization header");
        }
        JsonNode type = json.get("token_type");
        if (type != null && !type.isNull() && !(type.isTextual() && type.asText().equalsIgnoreCase("bearer"))) {
            throw new IllegalArgumentException("token_type is not Bearer");
        }
        JsonNode expires = json.get("expires_in");
        Duration lifetime = OAuth2Tokens.DEFAULT_LIFETIME;
        if (expires != null && !expires.isNull()) {
            long seconds;
            if (expires.isIntegralNumber() && expires.canConvertToLong()) {
                seconds = expires.asLong();
            } else if (expires.isTextual() && expires.asText().matches("[0-9]{1,12}")) {
                seconds = Long.parseLong(expires.asText()); // some providers send a string
            } else {
                throw new IllegalArgumentException("expires_in is not a number of seconds");
            }
            if (seconds < 1) {
                throw new IllegalArgumentException("expires_in is " + seconds + " s");
            }
            lifetime = Duration.ofSeconds(Math.min(seconds, OAuth2Tokens.MAX_LIFETIME.toSeconds()));
        }
        return new OAuth2Tokens.Token(token.asText(), lifetime);
    }

    /** The reason of a refusal: the status, and the RFC 6749 error code when the body has a plain one. */
    static String refusal(int status, byte[] answer) {
        String reason = "HTTP " + status;
        try {
            JsonNode error = JSON.readTree(answer).get("error");
            if (error != null && error.isTextual() && ERROR_CODE.matcher(error.asText()).matches()) {
                reason += " (" + error.asText() + ")";
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not JSON: the status says enough
        }
        return reason;
    }

    /** One token request; every step on {@link #context}, so its state needs no lock. */
    private final class Call {
        final Context context;
        final OAuth2 oauth2;
        final String secret;
        final long timeoutMs;
        final UniEmitter<? super OAuth2Tokens.Token> emitter;
        HttpClientRequest request;
        Buffer answer = Buffer.buffer();
        long timer = -1;
        boolean done;

        Call(Context context, OAuth2 oauth2, String secret, long timeoutMs, UniEmitter<? super OAuth2Tokens.Token> emitter) {
            this.context = context;
            this.oauth2 = oauth2;
            this.secret = secret;
            this.timeoutMs = timeoutMs;
            this.emitter = emitter;
        }

        void begin() {
            timer = vertx.setTimer(timeoutMs, t -> fail("timeout after " + timeoutMs + " ms"));
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                    .setAbsoluteURI(oauth2.tokenUrl().toString()).setFollowRedirects(false)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .putHeader(HttpHeaders.ACCEPT, "application/json")
                    .putHeader(HttpHeaders.USER_AGENT, "sluice")
                    .putHeader(HttpHeaders.AUTHORIZATION, basic(oauth2.clientId(), secret));
            client.request(options).onComplete(ar -> {
                if (ar.failed()) {
                    fail(HttpTarget.describe(ar.cause(), timeoutMs));
                } else if (done) {
                    ar.result().reset(); // timed out while waiting for a connection: nothing sent
                } else {
                    request = ar.result();
                    request.send(form(oauth2)).onComplete(sent -> {
                        if (sent.failed()) {
                            fail(HttpTarget.describe(sent.cause(), timeoutMs));
                        } else {
                            onResponse(sent.result());
                        }
                    });
                }
            });
        }

        void onResponse(HttpClientResponse response) {
            response.handler(chunk -> {
                if (answer.length() + chunk.length() > MAX_ANSWER_BYTES) {
                    fail("answer longer than " + MAX_ANSWER_BYTES + " bytes");
                } else if (!done) {
                    answer.appendBuffer(chunk);
                }
            });
            response.end().onComplete(ar -> {
                if (ar.failed()) {
                    fail(HttpTarget.describe(ar.cause(), timeoutMs));
                    return;
                }
                int status = response.statusCode();
                if (status < 200 || status >= 300) {
                    fail(refusal(status, answer.getBytes()));
                    return;
                }
                try {
                    OAuth2Tokens.Token token = parse(answer.getBytes());
                    if (finish()) {
                        emitter.complete(token);
                    }
                } catch (IllegalArgumentException e) {
                    fail(e.getMessage());
                }
            });
        }

        /** Fails the call (once), aborting what is still on the wire. */
        void fail(String what) {
            if (!finish()) {
                return;
            }
            if (request != null) {
                request.reset();
            }
            String reason = UrlRedaction.scrub("oauth2 token endpoint " + oauth2.shownTokenUrl() + ": " + what, oauth2.tokenUrl());
            if (secret.length() >= 4) {
                reason = reason.replace(secret, UrlRedaction.MARK); // never expected there; never shown either
            }
            emitter.fail(new OAuth2Tokens.Failure(reason));
        }

        private boolean finish() {
            if (done) {
                return false;
            }
            done = true;
            vertx.cancelTimer(timer);
            return true;
        }
    }
}
