package dev.sluice.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A route's OAuth2 client credentials ({@code target.oauth2}, RFC 6749 section 4.4): where the
 * token comes from and who asks for it. The client secret is a reference ({@code env} or
 * {@code file}), never a value, like every other credential of a route. Immutable and valid: the
 * constructor checks every field; whether the secret can be read is checked at the door
 * ({@link SecretCheck}).
 *
 * @param tokenUrl the token endpoint, an absolute http(s) URL without userinfo (the client authenticates with Basic)
 * @param clientId the client's id, visible ASCII
 * @param clientSecret where the client's secret comes from
 * @param scope the scope asked for, space-separated scope tokens; null for none
 * @param audience the {@code audience} parameter some providers want; null for none
 */
public record OAuth2(URI tokenUrl, String clientId, SecretRef clientSecret, String scope, String audience) {
    /** Field of the object, relative to a route. */
    public static final String FIELD = "target.oauth2";
    static final String TOKEN_URL = "token-url";
    static final String CLIENT_ID = "client-id";
    static final String CLIENT_SECRET = "client-secret";
    static final String SCOPE = "scope";
    static final String AUDIENCE = "audience";
    /** Longest client id, scope and audience. */
    static final int MAX_TEXT = 1024;

    /** RFC 6749 appendix A.1: VSCHAR. */
    private static final Pattern VSCHAR = Pattern.compile("[\\x20-\\x7e]+");
    /** RFC 6749 section 3.3: scope-token *( SP scope-token ). */
    private static final Pattern SCOPE_TOKENS = Pattern.compile("[\\x21\\x23-\\x5b\\x5d-\\x7e]+( [\\x21\\x23-\\x5b\\x5d-\\x7e]+)*");

    /**
     * Checks every field.
     *
     * @throws InvalidConfigException listing every problem, with field paths relative to the oauth2
     *         object ({@code token-url}, {@code client-secret.env})
     */
    public OAuth2 {
        List<ConfigProblem> problems = new ArrayList<>();
        checkUrl(problems, tokenUrl);
        checkText(problems, CLIENT_ID, clientId, true);
        if (clientSecret == null || clientSecret.kind() == null) {
            problems.add(new ConfigProblem(CLIENT_SECRET, "needs one of env, file (the secret's value is never written in the config)"));
        } else if (clientSecret.problem() != null) {
            problems.add(new ConfigProblem(CLIENT_SECRET + "." + clientSecret.kind().key(), clientSecret.problem()));
        }
        if (checkText(problems, SCOPE, scope, false) && scope != null && !SCOPE_TOKENS.matcher(scope).matches()) {
            problems.add(new ConfigProblem(SCOPE, "not space-separated scope tokens (RFC 6749 3.3): " + ConfigProblem.quote(scope)));
        }
        checkText(problems, AUDIENCE, audience, false);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

    private static void checkUrl(List<ConfigProblem> problems, URI url) {
        if (url == null) {
            problems.add(new ConfigProblem(TOKEN_URL, "is required"));
            return;
        }
        if ("too-long".equals(url.getScheme())) {
            problems.add(new ConfigProblem(TOKEN_URL, "longer than " + SluiceConfig.MAX_URL_LENGTH + " characters"));
        } else if (!url.isAbsolute() || url.getHost() == null
                || !("http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme()))) {
            problems.add(new ConfigProblem(TOKEN_URL, "not an absolute http(s) URL"));
        } else if (url.getRawUserInfo() != null) {
            problems.add(new ConfigProblem(TOKEN_URL, "holds userinfo; the client authenticates with client-id and client-secret"));
        } else if (UrlRedaction.carriesMark(url)) {
            problems.add(new ConfigProblem(TOKEN_URL, "holds a redacted part (" + UrlRedaction.MARK
                    + ") as shown by GET /admin/config; give the real value"));
        }
    }

    /** False when a problem was added. */
    private static boolean checkText(List<ConfigProblem> problems, String field, String value, boolean required) {
        if (value == null) {
            if (required) {
                problems.add(new ConfigProblem(field, "is required"));
                return false;
            }
            return true;
        }
        if (value.isEmpty() || value.length() > MAX_TEXT) {
            problems.add(new ConfigProblem(field, "must be 1 to " + MAX_TEXT + " characters"));
            return false;
        }
        if (!VSCHAR.matcher(value).matches()) {
            problems.add(new ConfigProblem(field, "holds characters other than visible ASCII and spaces"));
            return false;
        }
        return true;
    }

    /** The token endpoint as it may be shown (reasons, admin API, logs): credentials redacted ({@link UrlRedaction}). */
    public String shownTokenUrl() {
        return UrlRedaction.shown(tokenUrl);
    }

    /** The reference, never a value; the token URL redacted. */
    @Override
    public String toString() {
        return "OAuth2[token-url=" + shownTokenUrl() + ", client-id=" + clientId + ", client-secret=" + clientSecret
                + (scope == null ? "" : ", scope=" + scope) + (audience == null ? "" : ", audience=" + audience) + "]";
    }
}
