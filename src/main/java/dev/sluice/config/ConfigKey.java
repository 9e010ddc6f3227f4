package dev.sluice.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.quarkus.runtime.configuration.DurationConverter;

/**
 * Every key of a config snapshot, declared once: its path, type, default and doc line. The same
 * table serves both ways a snapshot is given: the JSON document of the admin API
 * ({@code routes[i].retry.max-attempts}) and the startup properties
 * ({@code sluice.routes.<name>.retry.max-attempts}), which {@link StartupProperties} turns into
 * that same document, so {@link ConfigReader} is the only reader and these are the only defaults.
 * The bounds declared here are what the snapshot's constructors check ({@link RetryPolicy},
 * {@link Concurrency}, {@link RateLimit}, and {@link RouteDraft} for {@link Route} and
 * {@link SluiceConfig}), and what their messages name; the checks across keys (a route's limit
 * within the global one, dead letters that would loop) are the route's and the snapshot's.
 */
public enum ConfigKey {
    /** Most records in flight at once across all routes, and most requests on the wire at once. */
    MAX_IN_FLIGHT(Scope.ROOT, "max-in-flight", Type.INT, "256", "1", "" + SluiceConfig.MAX_IN_FLIGHT_CEILING),

    /** The route's name; in properties it is the map key ({@code sluice.routes.<name>.*}), not a key of its own. */
    ROUTE_NAME(Scope.ROUTE, "name", Type.TEXT, null),
    /** Source topics whose records this route delivers. */
    TOPICS(Scope.ROUTE, "topics", Type.TOPICS, null),
    /** Absolute http(s) URL the record value is POSTed to. */
    TARGET_URL(Scope.ROUTE, "target.url", Type.TEXT, null),
    /**
     * Headers sent on every request, each value from a secret, never written in the config: header
     * name to {@code env} (a variable's name) or {@code file} (a path, e.g. a mounted Kubernetes
     * Secret), and an optional {@code prefix} sent before the value ({@code "Bearer "}). Default: none.
     */
    TARGET_HEADERS(Scope.ROUTE, "target.headers", Type.HEADERS, ""),
    /**
     * Standard Webhooks signing secrets ({@code whsec_...}), each an {@code env} or a {@code file}:
     * every request carries webhook-id, webhook-timestamp and one webhook-signature per secret
     * (several while one is rotated). Default: none (not signed).
     */
    TARGET_SIGNING_SECRETS(Scope.ROUTE, "target.signing-secrets", Type.SECRETS, ""),
    /**
     * OAuth2 client credentials (RFC 6749 4.4): token-url, client-id, client-secret (an {@code env}
     * or a {@code file}), optional scope and audience. Every request then carries
     * {@code Authorization: Bearer <token>}, the token fetched once and shared by the route's
     * deliveries until shortly before it expires. Default: none.
     */
    TARGET_OAUTH2(Scope.ROUTE, "target.oauth2", Type.OAUTH2, ""),
    /**
     * mTLS and a custom CA: {@code certificate} and {@code key} (absolute paths of a PEM client
     * certificate chain and its unencrypted PKCS#8 key, together) and {@code ca} (a PEM CA bundle
     * trusted instead of the JVM's). Checked at the door, read again every 30 s. Default: none.
     */
    TARGET_TLS(Scope.ROUTE, "target.tls", Type.TLS, ""),
    /** Most deliveries of this route in flight at once (HTTP requests on the wire); at most the global max-in-flight. */
    ROUTE_MAX_IN_FLIGHT(Scope.ROUTE, "max-in-flight", Type.INT, "64", "1", "=" + "max-in-flight"),
    /** Timeout of one delivery attempt (connect, send, response). */
    TIMEOUT(Scope.ROUTE, "timeout", Type.DURATION, "10s", "10ms", "10m"),
    /** Attempts in all, the first one included; 1 means no retry. */
    RETRY_MAX_ATTEMPTS(Scope.ROUTE, "retry.max-attempts", Type.INT, "5", "1", "100"),
    /** Delay before the second attempt; doubles for each further attempt. */
    RETRY_INITIAL_BACKOFF(Scope.ROUTE, "retry.initial-backoff", Type.DURATION, "200ms", "1ms", "1h"),
    /** Upper bound of any delay between attempts, Retry-After included. */
    RETRY_MAX_BACKOFF(Scope.ROUTE, "retry.max-backoff", Type.DURATION, "30s", "1ms", "1h"),
    /** Fraction (0..1) of each delay that is randomised, so retries of many records spread out. */
    RETRY_JITTER(Scope.ROUTE, "retry.jitter", Type.NUMBER, "0.5", "0", "1"),
    /**
     * Topic that receives records this route could not deliver. Its default is spelled as the
     * dead-letter channel ({@link Channels#DEAD_LETTER}), a different name: one is a topic, the other a channel.
     */
    DEAD_LETTER_TOPIC(Scope.ROUTE, "dead-letter-topic", Type.TEXT, "sluice-dead-letter"),
    /**
     * What a record value must be to be sent: any, json or cloudevents (binary or structured mode).
     * A value that is not goes to the dead-letter topic unsent.
     */
    EXPECTS(Scope.ROUTE, "expects", Type.TEXT, "any"),
    /** Largest record value sent, in bytes (1 MiB, a broker's default largest record); a larger one is dead-lettered unsent. */
    MAX_VALUE_BYTES(Scope.ROUTE, "max-value-bytes", Type.INT, "1048576", "1", null),
    /**
     * Delivery order: key (same key one after another in offset order, keys in parallel; a null key
     * falls back to partition order), partition (one at a time per partition) or none (any order).
     */
    ORDERING(Scope.ROUTE, "ordering", Type.TEXT, "key"),
    /**
     * How the in-flight limit is set: fixed (it is max-in-flight) or adaptive (found from the
     * target's latency and backpressure answers, within adaptive.min and adaptive.max).
     */
    CONCURRENCY(Scope.ROUTE, "concurrency", Type.TEXT, "fixed"),
    /** Lowest adaptive limit. */
    ADAPTIVE_MIN(Scope.ROUTE, "adaptive.min", Type.INT, "1", "1", "" + SluiceConfig.MAX_IN_FLIGHT_CEILING),
    /** Highest adaptive limit. Default: the route's max-in-flight. */
    ADAPTIVE_MAX(Scope.ROUTE, "adaptive.max", Type.INT, "=max-in-flight", "1", "" + SluiceConfig.MAX_IN_FLIGHT_CEILING),
    /** Tokens added per second; every attempt, retries included, takes one. 0 turns the rate limit off. */
    RATE_PER_SECOND(Scope.ROUTE, "rate-limit.per-second", Type.INT, "0", "0", "" + RateLimit.CEILING),
    /** Most tokens the bucket holds, so the largest burst after a quiet spell (with per-second only). Default: per-second. */
    RATE_BURST(Scope.ROUTE, "rate-limit.burst", Type.INT, "=rate-limit.per-second", "1", "" + RateLimit.CEILING),
    /**
     * Whom per-second and burst are for: replica (each replica on its own) or group (the whole
     * consumer group: each replica takes the share of the route's partitions it is assigned).
     */
    RATE_SCOPE(Scope.ROUTE, "rate-limit.scope", Type.TEXT, "replica"),
    /**
     * Prefixes of record header names (case-insensitive) passed on to the target, e.g. x-tenant-.
     * CloudEvents attributes and trace context always are; credentials, Host, hop-by-hop and
     * X-Forwarded-* never are. Default: none.
     */
    FORWARD_HEADERS(Scope.ROUTE, "forward-headers", Type.STRINGS, ""),
    /**
     * Which records the route takes: filters on CloudEvents attributes, Kafka headers
     * (kafka.header.NAME) and the key (kafka.key), all of which must match: exact, prefix, suffix,
     * all, any, not, cesql (see "Filters"). A declined record counts as filtered. Default: none (every record).
     */
    FILTERS(Scope.ROUTE, "filters", Type.FILTERS, ""),
    /**
     * A paused route takes no new records; those in flight finish. Its records wait in Kafka (its
     * topics' partitions are not fetched) and resume continues where it stopped. Durable: part of
     * the config, so every replica, and one that restarts, agrees. Every route reading a topic must
     * be paused with it (pausing one of several routes on a topic is refused, for now).
     */
    PAUSED(Scope.ROUTE, "paused", Type.BOOLEAN, "false");

    /** Where a key sits: at the top of the document ({@code sluice.*}) or in each route. */
    public enum Scope {
        ROOT, ROUTE
    }

    /**
     * How a value is spelled; lists are JSON arrays, or comma-separated in properties. HEADERS is an
     * object of header name to secret reference ({@code headers.<header>.env} in properties), SECRETS
     * an array of secret references ({@code signing-secrets[0].file} in properties), FILTERS an
     * array of filter objects ({@link FilterReader}; in properties, the same JSON as one value),
     * OAUTH2 an object ({@link OAuth2}; {@code oauth2.client-secret.env} in properties) or nothing,
     * TLS an object of file paths ({@code tls.certificate} in properties).
     */
    public enum Type {
        INT, NUMBER, BOOLEAN, DURATION, TEXT, TOPICS, STRINGS, HEADERS, SECRETS, FILTERS, OAUTH2, TLS
    }

    private final Scope scope;
    private final String path;
    private final Type type;
    private final String dflt;
    private final String min;
    private final String max;

    ConfigKey(Scope scope, String path, Type type, String dflt) {
        this(scope, path, type, dflt, null, null);
    }

    /** {@code min} and {@code max}: the accepted range, inclusive, null for none; "=key": the value of that root key. */
    ConfigKey(Scope scope, String path, Type type, String dflt, String min, String max) {
        this.scope = scope;
        this.path = path;
        this.type = type;
        this.dflt = dflt;
        this.min = min;
        this.max = max;
    }

    public Scope scope() {
        return scope;
    }

    /** The key within its scope: {@code timeout}, {@code retry.max-attempts}. */
    public String path() {
        return path;
    }

    public Type type() {
        return type;
    }

    /** The object the key is in ({@code retry}), or null for a key directly in its scope. */
    public String group() {
        int dot = path.indexOf('.');
        return dot < 0 ? null : path.substring(0, dot);
    }

    /** The last segment of the path ({@code max-attempts}). */
    public String leaf() {
        return path.substring(path.indexOf('.') + 1);
    }

    /** True when the key has no default: a document without it is refused. */
    public boolean required() {
        return dflt == null;
    }

    /** The key whose value is the default of this one ({@code adaptive.max}: the route's max-in-flight), or null. */
    public ConfigKey defaultsTo() {
        if (dflt == null || !dflt.startsWith("=")) {
            return null;
        }
        return Arrays.stream(values()).filter(k -> k.scope == scope && k.path.equals(dflt.substring(1))).findFirst()
                .orElseThrow();
    }

    /**
     * The default value, typed (Integer, Double, Duration, String, List of String); null when the
     * key is required or defaults to another key ({@link #defaultsTo()}).
     */
    public Object defaultValue() {
        return typed(dflt);
    }

    /** Lowest accepted value, typed as {@link #defaultValue()}; null for none. */
    public Object min() {
        return typed(min);
    }

    /** Highest accepted value, typed as {@link #defaultValue()}; null for none or when it is another key's value. */
    public Object max() {
        return typed(max);
    }

    /** The range as error messages spell it ("between 1 and 100"): durations as {@link Duration#toString()}, others as declared. */
    String range() {
        return "between " + shown(min) + " and " + shown(max);
    }

    /**
     * Adds a problem at {@code p} followed by this key's path when {@code value} is outside the
     * declared range (an INT key with both bounds); false then.
     */
    boolean check(List<ConfigProblem> problems, String p, int value) {
        if (value < (Integer) min() || value > (Integer) max()) {
            problems.add(new ConfigProblem(p + path, "must be " + range() + ", was " + value));
            return false;
        }
        return true;
    }

    /** As {@link #check(List, String, int)} for a DURATION key; a null duration is reported as required. */
    void check(List<ConfigProblem> problems, String p, Duration d) {
        if (d == null) {
            problems.add(new ConfigProblem(p + path, "is required"));
        } else if (d.compareTo((Duration) min()) < 0 || d.compareTo((Duration) max()) > 0) {
            problems.add(new ConfigProblem(p + path, "must be " + range() + ", was " + d));
        }
    }

    private String shown(String bound) {
        return type == Type.DURATION ? typed(bound).toString() : bound;
    }

    private Object typed(String text) {
        if (text == null || text.startsWith("=")) {
            return null;
        }
        return switch (type) {
            case INT -> Integer.valueOf(text);
            case NUMBER -> Double.valueOf(text);
            case BOOLEAN -> Boolean.valueOf(text);
            case DURATION -> DurationConverter.parseDuration(text);
            case TEXT -> text;
            case TOPICS, STRINGS -> text.isEmpty() ? List.of() : List.of(text.split(","));
            case HEADERS, TLS -> java.util.Map.of();
            case SECRETS, FILTERS -> List.of();
            case OAUTH2 -> null;
        };
    }

    /** Keys of one scope, in declaration order. */
    public static List<ConfigKey> of(Scope scope) {
        return Arrays.stream(values()).filter(k -> k.scope == scope).toList();
    }

    /** The names allowed directly in an object of {@code scope} ({@code group} null) or in one of its groups. */
    static Set<String> names(Scope scope, String group) {
        Set<String> names = new LinkedHashSet<>();
        for (ConfigKey k : of(scope)) {
            if (group == null) {
                names.add(k.group() == null ? k.path : k.group());
            } else if (group.equals(k.group())) {
                names.add(k.leaf());
            }
        }
        return names;
    }
}
