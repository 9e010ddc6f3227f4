package dev.sluice.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a route's target requires to accept a request, as references to secrets, never their
 * values: static headers ({@code target.headers}: {@code Authorization: Bearer <token>},
 * {@code X-Api-Key: <key>}) and Standard Webhooks signing secrets ({@code target.signing-secrets}:
 * each gives one {@code v1,} signature in {@code webhook-signature}; several while one is rotated).
 * Immutable and valid: the constructor checks the names, the references and the bounds; whether
 * each secret can be read, and is well formed, is checked where it is read ({@link SecretCheck}).
 *
 * @param headers header name (as configured; unique regardless of case) to where its value comes from
 * @param signingSecrets the secrets requests are signed with, in order; empty: not signed
 * @param oauth2 the OAuth2 client credentials whose token each request carries as {@code Authorization: Bearer}; null for none
 * @param tls the client certificate and CA files of the target's TLS ({@link TargetTls#NONE}: none)
 */
public record Credentials(Map<String, SecretHeader> headers, List<SecretRef> signingSecrets, OAuth2 oauth2, TargetTls tls) {
    /** No headers, no signature, no token, no TLS files. */
    /** No headers, no signature, no TLS files. */
    public static final Credentials NONE = new Credentials(Map.of(), List.of());
    /** Most {@code target.headers} of a route. */
    public static final int MAX_HEADERS = 16;
    /** Most {@code target.signing-secrets} of a route: the current one and those being rotated out. */
    public static final int MAX_SIGNING_SECRETS = 4;
    /** Longest {@code prefix} of a header. */
    static final int MAX_PREFIX = 256;

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    /**
     * Headers a route cannot set: framing and hop-by-hop ones, and those Sluice sets itself (the
     * record's coordinates, its idempotency key, trace context, the Standard Webhooks headers).
     */
    private static final Set<String> RESERVED = Set.of("host", "content-length", "content-type", "transfer-encoding",
            "connection", "te", "trailer", "upgrade", "keep-alive", "expect", "user-agent", "traceparent", "tracestate",
            "idempotency-key", "kafka-key", "kafka-key-base64", "kafka-topic", "kafka-partition", "kafka-offset",
            "webhook-id", "webhook-timestamp", "webhook-signature");

    /** Field of the headers, relative to a route. */
    static final String HEADERS_FIELD = "target.headers";
    /** Field of the signing secrets, relative to a route. */
    static final String SECRETS_FIELD = "target.signing-secrets";

    /**
     * Checks every entry.
     *
     * @throws InvalidConfigException listing every problem, with field paths relative to the route
     *         ({@code target.headers.X-Api-Key.env}, {@code target.signing-secrets[1].file})
     */
    public Credentials {
        List<ConfigProblem> problems = new ArrayList<>();
        if (headers == null) {
            problems.add(new ConfigProblem(HEADERS_FIELD, "is required (empty for none)"));
        } else if (headers.size() > MAX_HEADERS) {
            problems.add(new ConfigProblem(HEADERS_FIELD, "at most " + MAX_HEADERS + " headers, was " + headers.size()));
        } else {
            Set<String> seen = new HashSet<>();
            headers.forEach((name, h) -> checkHeader(problems, name, h, seen));
        }
        if (signingSecrets == null) {
            problems.add(new ConfigProblem(SECRETS_FIELD, "is required (empty for none)"));
        } else if (signingSecrets.size() > MAX_SIGNING_SECRETS) {
            problems.add(new ConfigProblem(SECRETS_FIELD,
                    "at most " + MAX_SIGNING_SECRETS + " secrets, was " + signingSecrets.size()));
        } else {
            for (int i = 0; i < signingSecrets.size(); i++) {
                checkRef(problems, SECRETS_FIELD + "[" + i + "]", signingSecrets.get(i));
            }
        }
        if (oauth2 != null && headers != null && headers.keySet().stream().anyMatch("authorization"::equalsIgnoreCase)) {
            problems.add(new ConfigProblem(OAuth2.FIELD, "sets Authorization (Bearer), and so does "
                    + HEADERS_FIELD + ".Authorization: give one or the other"));
        }
        if (tls == null) {
            problems.add(new ConfigProblem(TargetTls.FIELD, "is required (TargetTls.NONE for none)"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        signingSecrets = List.copyOf(signingSecrets);
    }

    /** Static headers and signing secrets, no OAuth2, no TLS files. */
    public Credentials(Map<String, SecretHeader> headers, List<SecretRef> signingSecrets) {
        this(headers, signingSecrets, null, TargetTls.NONE);
    }

    /** Static headers, signing secrets and OAuth2, no TLS files. */
    public Credentials(Map<String, SecretHeader> headers, List<SecretRef> signingSecrets, OAuth2 oauth2) {
        this(headers, signingSecrets, oauth2, TargetTls.NONE);
    }

    /** Static headers, signing secrets and TLS files, no OAuth2. */
    public Credentials(Map<String, SecretHeader> headers, List<SecretRef> signingSecrets, TargetTls tls) {
        this(headers, signingSecrets, null, tls);
    }

    private static void checkHeader(List<ConfigProblem> problems, String name, SecretHeader h, Set<String> seen) {
        String field = HEADERS_FIELD + "." + name;
        String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
        if (name == null || !TOKEN.matcher(name).matches()) {
            problems.add(new ConfigProblem(field, "not a header name (1 to 100 characters of an HTTP token)"));
        } else if (RESERVED.contains(lower) || lower.startsWith("ce-") || lower.startsWith("proxy-")) {
            problems.add(new ConfigProblem(field, "set by Sluice itself or by HTTP, not by a route"));
        } else if (!seen.add(lower)) {
            problems.add(new ConfigProblem(field, "given twice (header names are case-insensitive)"));
        }
        if (h == null || h.secret() == null) {
            problems.add(new ConfigProblem(field, "needs one of env, file"));
            return;
        }
        checkRef(problems, field, h.secret());
        if (h.prefix().length() > MAX_PREFIX) {
            problems.add(new ConfigProblem(field + ".prefix", "longer than " + MAX_PREFIX + " characters"));
        } else if (!SecretCheck.legalHeaderValue(h.prefix())) {
            problems.add(new ConfigProblem(field + ".prefix", "holds characters not allowed in an HTTP header value"));
        }
    }

    private static void checkRef(List<ConfigProblem> problems, String field, SecretRef ref) {
        if (ref == null || ref.kind() == null) {
            problems.add(new ConfigProblem(field, "needs one of env, file"));
            return;
        }
        String wrong = ref.problem();
        if (wrong != null) {
            problems.add(new ConfigProblem(field + "." + ref.kind().key(), wrong));
        }
    }

    /** True when the route sets no header, signs nothing, fetches no token and has no TLS files. */
    public boolean none() {
        return headers.isEmpty() && signingSecrets.isEmpty() && oauth2 == null && tls.none();
    }

    /** Every secret referred to, each once. */
    public Set<SecretRef> refs() {
        Set<SecretRef> refs = new LinkedHashSet<>();
        headers.values().forEach(h -> refs.add(h.secret()));
        refs.addAll(signingSecrets);
        if (oauth2 != null) {
            refs.add(oauth2.clientSecret());
        }
        return refs;
    }

    /** The lower-case names of the headers this route sets. */
    public Set<String> headerNames() {
        Set<String> names = new HashSet<>();
        headers.keySet().forEach(n -> names.add(n.toLowerCase(Locale.ROOT)));
        return names;
    }

    /** The references, never a value: {@code headers={Authorization='Bearer ' + env:TOKEN}, signing-secrets=[file:/s]}. */
    @Override
    public String toString() {
        return "Credentials[headers=" + headers + ", signing-secrets=" + signingSecrets
                + (oauth2 == null ? "" : ", oauth2=" + oauth2) + (tls.none() ? "" : ", tls=" + tls.paths()) + "]";
    }
}
