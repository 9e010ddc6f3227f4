package dev.sluice.deliver.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import dev.sluice.config.OAuth2;
import dev.sluice.config.SluiceConfig;
import io.smallrye.mutiny.Uni;

/**
 * The OAuth2 access token of each route, fetched once and shared by all its deliveries:
 *
 * <pre>
 *   none --token()--> fetching --token ok--> fresh --(lifetime - min(lifetime/5, 30 s))--> stale --token()--> fetching
 *                        |  ^                  |
 *                        |  +--renew(rejected)-+   a 401 for the token in hand (a newer one is handed out as it is)
 *                        +--fails--> none: every waiter's attempt fails with the endpoint's reason; the next attempt fetches again
 * </pre>
 *
 * Single flight: while a fetch is on the wire, every caller waits for that one (a future, never a
 * blocked thread), so a route makes at most one token request at a time, and its waiters are its
 * deliveries in flight, bounded by the route's permits. The fetch is bounded by the route's
 * timeout ({@link Endpoint}). A token is handed out only while fresh; a stale one is refreshed
 * before use, so a request never leaves with a token in its last fifth of life (at most the last
 * 30 s). Keyed by route name and replaced when the route's {@code oauth2} changes; at most
 * {@value #MAX_ROUTES} routes are kept (beyond that the memory is cleared and tokens fetched again).
 * Tokens are never logged nor put into a reason.
 */
final class OAuth2Tokens {
    /** Lifetime assumed when the endpoint gives no {@code expires_in}. */
    static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(300);
    /** Longest lifetime believed, so a wrong {@code expires_in} cannot pin a token for years. */
    static final Duration MAX_LIFETIME = Duration.ofHours(24);
    /** Most refresh margin: a token is refreshed at most this long before it expires. */
    static final Duration MAX_MARGIN = Duration.ofSeconds(30);
    static final int MAX_ROUTES = 2 * SluiceConfig.MAX_ROUTES;
    /** How much longer than the fetch's own deadline a waiter waits at most. */
    static final long WAIT_GRACE_MS = 1000;

    /** What the token endpoint gave: the token and how long it lives. */
    record Token(String value, Duration lifetime) {
        @Override
        public String toString() {
            return "Token[lifetime=" + lifetime + "]"; // never the value
        }
    }

    /** A token request could not give a token; the message is the attempt's reason, safe to show. */
    static final class Failure extends RuntimeException {
        Failure(String reason) {
            super(reason, null, false, false);
        }
    }

    /** One token request, bounded by {@code timeoutMs}; fails with {@link Failure}. */
    interface Endpoint {
        Uni<Token> fetch(OAuth2 oauth2, String clientSecret, long timeoutMs);
    }

    /** A route's token: the one in hand and the fetch on the wire. Guarded by itself; no I/O under the lock. */
    private static final class Slot {
        final OAuth2 config;
        String token;
        long refreshAt;
        CompletableFuture<String> fetching;

        Slot(OAuth2 config) {
            this.config = config;
        }
    }

    private final Endpoint endpoint;
    private final LongSupplier nanos;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    OAuth2Tokens(Endpoint endpoint, LongSupplier nanos) {
        this.endpoint = endpoint;
        this.nanos = nanos;
    }

    /** The route's token: at once when fresh, else after the one fetch on the wire. */
    Uni<String> token(String route, OAuth2 oauth2, String clientSecret, long timeoutMs) {
        Slot s = slot(route, oauth2);
        CompletableFuture<String> wait;
        boolean start;
        synchronized (s) {
            if (s.token != null && nanos.getAsLong() - s.refreshAt < 0) {
                return Uni.createFrom().item(s.token);
            }
            start = s.fetching == null;
            if (start) {
                s.fetching = new CompletableFuture<>();
            }
            wait = s.fetching;
        }
        return started(s, wait, start, clientSecret, timeoutMs);
    }

    /**
     * A token other than {@code rejected} (the target answered 401 to it): the one in hand when it
     * is newer, else a fresh one, through the same single fetch.
     */
    Uni<String> renew(String route, OAuth2 oauth2, String clientSecret, long timeoutMs, String rejected) {
        Slot s = slot(route, oauth2);
        CompletableFuture<String> wait;
        boolean start;
        synchronized (s) {
            if (s.fetching == null && s.token != null && !s.token.equals(rejected) && nanos.getAsLong() - s.refreshAt < 0) {
                return Uni.createFrom().item(s.token);
            }
            if (rejected.equals(s.token)) {
                s.token = null;
            }
            start = s.fetching == null;
            if (start) {
                s.fetching = new CompletableFuture<>();
            }
            wait = s.fetching;
        }
        return started(s, wait, start, clientSecret, timeoutMs);
    }

    private Uni<String> started(Slot s, CompletableFuture<String> wait, boolean start, String clientSecret, long timeoutMs) {
        if (start) {
            Uni.createFrom().deferred(() -> endpoint.fetch(s.config, clientSecret, timeoutMs)).subscribe()
                    .with(t -> fetched(s, wait, t), e -> failed(s, wait, e));
        }
        // a copy per waiter: one cancelled attempt must not cancel the fetch the others wait for. The fetch
        // ends by its own deadline; the waiter's bound is there should it not
        return Uni.createFrom().completionStage(wait::copy).ifNoItem().after(Duration.ofMillis(timeoutMs + WAIT_GRACE_MS))
                .failWith(() -> new Failure("oauth2 token endpoint " + s.config.shownTokenUrl() + ": no answer within "
                        + (timeoutMs + WAIT_GRACE_MS) + " ms"));
    }

    private void fetched(Slot s, CompletableFuture<String> wait, Token t) {
        long lifetime = Math.min(t.lifetime().toNanos(), MAX_LIFETIME.toNanos());
        long margin = Math.min(lifetime / 5, MAX_MARGIN.toNanos());
        synchronized (s) {
            s.token = t.value();
            s.refreshAt = nanos.getAsLong() + lifetime - margin;
            s.fetching = null;
        }
        wait.complete(t.value());
    }

    private void failed(Slot s, CompletableFuture<String> wait, Throwable e) {
        synchronized (s) {
            s.fetching = null;
        }
        wait.completeExceptionally(e instanceof Failure ? e
                : new Failure("oauth2 token endpoint " + s.config.shownTokenUrl() + ": " + e.getClass().getSimpleName()));
    }

    private Slot slot(String route, OAuth2 oauth2) {
        if (slots.size() >= MAX_ROUTES && !slots.containsKey(route)) {
            slots.clear(); // fetched again as needed: bounded memory whatever routes come and go
        }
        return slots.compute(route, (k, s) -> s != null && s.config.equals(oauth2) ? s : new Slot(oauth2));
    }
}
