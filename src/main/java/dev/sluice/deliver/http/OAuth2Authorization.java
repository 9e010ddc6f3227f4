package dev.sluice.deliver.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.sluice.config.OAuth2;
import dev.sluice.config.Route;
import dev.sluice.config.SecretSource;
import dev.sluice.config.Secrets;
import dev.sluice.outcome.AttemptOutcome;
import io.smallrye.mutiny.Uni;

/**
 * An attempt to a route with {@code target.oauth2}: the route's token ({@link OAuth2Tokens}) as
 * {@code Authorization: Bearer}, and on a 401 one fresh token and one resend; the resend's answer,
 * a second 401 included, is the attempt's. A token that cannot be had fails the attempt
 * (retriable) with the token endpoint's reason; the record is not sent. The client secret is the
 * one {@link Secrets} holds now, so a rotated Secret is used from the next token request on.
 */
final class OAuth2Authorization {
    static final int UNAUTHORIZED = 401;

    private final OAuth2Tokens tokens;
    private final Secrets secrets;

    OAuth2Authorization(OAuth2Tokens tokens, Secrets secrets) {
        this.tokens = tokens;
        this.secrets = secrets;
    }

    /** {@code exchange} with the token added to {@code headers}; resent once with a fresh token after a 401. */
    Uni<AttemptOutcome> send(Route route, Map<String, String> headers, Function<Map<String, String>, Uni<AttemptOutcome>> exchange) {
        OAuth2 oauth2 = route.credentials().oauth2();
        long timeoutMs = route.timeout().toMillis();
        return secrets.values(List.of(oauth2.clientSecret())).map(values -> values.get(oauth2.clientSecret()))
                .chain(secret -> tokens.token(route.name(), oauth2, secret, timeoutMs)
                        .chain(token -> exchange.apply(bearer(headers, token))
                                .chain(outcome -> outcome.status() != UNAUTHORIZED ? Uni.createFrom().item(outcome)
                                        : tokens.renew(route.name(), oauth2, secret, timeoutMs, token)
                                                .chain(fresh -> exchange.apply(bearer(headers, fresh))))))
                .onFailure(OAuth2Tokens.Failure.class).recoverWithItem(e -> AttemptOutcome.ofError(e.getMessage()))
                .onFailure(SecretSource.UnavailableException.class)
                .recoverWithItem(e -> AttemptOutcome.ofError("credentials unavailable: " + e.getMessage()));
    }

    private static Map<String, String> bearer(Map<String, String> headers, String token) {
        Map<String, String> out = new LinkedHashMap<>(headers);
        out.put("Authorization", "Bearer " + token);
        return out;
    }
}
