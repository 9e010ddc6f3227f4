package dev.sluice.deliver.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.sluice.config.OAuth2;
import dev.sluice.config.SecretRef;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The token cache with a manual clock and an endpoint whose answers the test gives by hand: one
 * fetch however many ask at once, a token reused until lifetime minus min(1/5, 30 s), refreshed
 * after, a 401 renewing it once, failures handed to every waiter and not kept.
 */
class OAuth2TokensTest {
    private static final OAuth2 IDP = new OAuth2(URI.create("https://idp.example/token"), "sluice", SecretRef.env("S"), null, null);
    private static final long TIMEOUT = 1000;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** The fetches asked for, in order, each waiting for the test to answer it. */
    private final List<UniEmitter<? super OAuth2Tokens.Token>> fetches = new ArrayList<>();
    private final List<String> secretsUsed = new ArrayList<>();
    private final OAuth2Tokens tokens = new OAuth2Tokens((o, secret, timeoutMs) -> Uni.createFrom().emitter(e -> {
        fetches.add(e);
        secretsUsed.add(secret);
    }), now::get);

    private UniAssertSubscriber<String> token(OAuth2 oauth2) {
        return tokens.token("orders", oauth2, "s3cr3t", TIMEOUT).subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    private UniAssertSubscriber<String> token() {
        return token(IDP);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private void answer(int fetch, String token, Duration lifetime) {
        fetches.get(fetch).complete(new OAuth2Tokens.Token(token, lifetime));
    }

    @Test
    void concurrentDeliveriesWaitForOneFetch() {
        List<UniAssertSubscriber<String>> waiting = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            waiting.add(token());
        }
        assertEquals(1, fetches.size(), "one fetch on the wire");
        waiting.forEach(UniAssertSubscriber::assertNotTerminated);

        answer(0, "t1", Duration.ofSeconds(60));

        waiting.forEach(w -> w.assertItem("t1"));
        token().assertItem("t1");
        assertEquals(1, fetches.size());
    }

    @Test
    void aTokenIsReusedUntilAFifthOfItsLifetimeIsLeft() {
        token();
        answer(0, "t1", Duration.ofSeconds(100));

        advance(Duration.ofMillis(79_999));
        token().assertItem("t1");
        assertEquals(1, fetches.size());

        advance(Duration.ofMillis(1));
        UniAssertSubscriber<String> refreshing = token();
        assertEquals(2, fetches.size(), "refreshed 20 s before it expires");
        refreshing.assertNotTerminated(); // a stale token is not handed out
        answer(1, "t2", Duration.ofSeconds(100));
        refreshing.assertItem("t2");
    }

    @Test
    void aLongLivedTokenIsRefreshedThirtySecondsBeforeItExpires() {
        token();
        answer(0, "t1", Duration.ofSeconds(3600));

        advance(Duration.ofSeconds(3570).minusMillis(1));
        token().assertItem("t1");
        advance(Duration.ofMillis(1));
        token();
        assertEquals(2, fetches.size());
    }

    @Test
    void aFailedFetchFailsEveryWaiterAndIsNotKept() {
        UniAssertSubscriber<String> a = token();
        UniAssertSubscriber<String> b = token();
        fetches.get(0).fail(new OAuth2Tokens.Failure("oauth2 token endpoint https://idp.example/token: HTTP 503"));

        a.assertFailedWith(OAuth2Tokens.Failure.class, "oauth2 token endpoint https://idp.example/token: HTTP 503");
        b.assertFailedWith(OAuth2Tokens.Failure.class, "HTTP 503");

        UniAssertSubscriber<String> next = token();
        assertEquals(2, fetches.size(), "the next attempt asks again");
        answer(1, "t1", Duration.ofSeconds(60));
        next.assertItem("t1");
    }

    @Test
    void anUnexpectedErrorStillNamesTheEndpointOnly() {
        UniAssertSubscriber<String> a = token();
        fetches.get(0).fail(new IllegalStateException("s3cr3t leaked in a message"));

        a.assertFailedWith(OAuth2Tokens.Failure.class, "oauth2 token endpoint https://idp.example/token: IllegalStateException");
    }

    @Test
    void a401RenewsTheRejectedTokenOnceHoweverManyAsk() {
        token();
        answer(0, "t1", Duration.ofSeconds(60));

        List<UniAssertSubscriber<String>> renewing = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            renewing.add(tokens.renew("orders", IDP, "s3cr3t", TIMEOUT, "t1").subscribe().withSubscriber(UniAssertSubscriber.create()));
        }
        assertEquals(2, fetches.size(), "one new fetch for all 401s of the same token");
        answer(1, "t2", Duration.ofSeconds(60));
        renewing.forEach(r -> r.assertItem("t2"));

        // a 401 that comes back late, for the token already replaced: the newer one, no fetch
        tokens.renew("orders", IDP, "s3cr3t", TIMEOUT, "t1").subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertItem("t2");
        assertEquals(2, fetches.size());
        token().assertItem("t2");
    }

    @Test
    void aChangedOAuth2ConfigFetchesANewToken() {
        token();
        answer(0, "t1", Duration.ofSeconds(60));

        OAuth2 scoped = new OAuth2(IDP.tokenUrl(), IDP.clientId(), IDP.clientSecret(), "orders:write", null);
        UniAssertSubscriber<String> other = token(scoped);
        assertEquals(2, fetches.size());
        answer(1, "t-scoped", Duration.ofSeconds(60));
        other.assertItem("t-scoped");
    }

    @Test
    void theSecretOfTheMomentIsUsedForEachFetch() {
        tokens.token("orders", IDP, "old-secret", TIMEOUT).subscribe().withSubscriber(UniAssertSubscriber.create());
        answer(0, "t1", Duration.ofSeconds(10));
        advance(Duration.ofSeconds(8));
        tokens.token("orders", IDP, "new-secret", TIMEOUT).subscribe().withSubscriber(UniAssertSubscriber.create());

        assertEquals(List.of("old-secret", "new-secret"), secretsUsed);
    }

    @Test
    void aWaiterIsBoundedEvenIfAFetchNeverEnds() {
        UniAssertSubscriber<String> waiting = token();

        waiting.awaitFailure(Duration.ofMillis(TIMEOUT + OAuth2Tokens.WAIT_GRACE_MS + 3000));
        waiting.assertFailedWith(OAuth2Tokens.Failure.class,
                "oauth2 token endpoint https://idp.example/token: no answer within " + (TIMEOUT + OAuth2Tokens.WAIT_GRACE_MS) + " ms");
    }

    @Test
    void aCancelledWaiterDoesNotCancelTheFetchOthersWaitFor() {
        UniAssertSubscriber<String> gone = token();
        UniAssertSubscriber<String> staying = token();
        gone.cancel();

        answer(0, "t1", Duration.ofSeconds(60));

        staying.assertItem("t1");
        assertTrue(fetches.size() == 1);
    }
}
