package dev.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import dev.sluice.config.ConfigKey.Scope;
import dev.sluice.config.SluiceConfig.PathStyle;
import io.quarkus.runtime.configuration.DurationConverter;

/**
 * Reads a config document into a snapshot, key by key as {@link ConfigKey} declares them: the
 * admin API's JSON, and the startup properties once {@link StartupProperties} has made them the
 * same tree. Walks the whole document and reports every problem with its path (in the given
 * {@link PathStyle}), never just the first: unknown keys, wrong types, missing required keys, then
 * the checks of the parts' own constructors ({@link RetryPolicy}, {@link Concurrency},
 * {@link RateLimit}), then those of {@link RouteDraft} and {@link SluiceConfig}. For a malformed
 * value, or a part its constructor refuses, the default stands in, so that the other fields are
 * still checked.
 */
final class ConfigReader {
    private static final String ROUTES = "routes";
    /** Stand in for a refused part, so the rest of the route is still checked; never in a snapshot, which is refused. */
    private static final RetryPolicy DEFAULT_RETRY = new RetryPolicy((Integer) ConfigKey.RETRY_MAX_ATTEMPTS.defaultValue(),
            (Duration) ConfigKey.RETRY_INITIAL_BACKOFF.defaultValue(), (Duration) ConfigKey.RETRY_MAX_BACKOFF.defaultValue(),
            (Double) ConfigKey.RETRY_JITTER.defaultValue());
    private static final Concurrency DEFAULT_CONCURRENCY = Concurrency.fixed((Integer) ConfigKey.ROUTE_MAX_IN_FLIGHT.defaultValue());

    private final PathStyle paths;
    private final List<ConfigProblem> problems = new ArrayList<>();
    /** Problems found beyond {@link InvalidConfigException#MAX_LISTED}: counted, not kept. */
    private int unlisted;

    private ConfigReader(PathStyle paths, List<ConfigProblem> earlier) {
        this.paths = paths;
        earlier.forEach(this::report);
    }

    /**
     * Reads and checks a document; throws {@link InvalidConfigException} listing every problem, after
     * {@code earlier} ones its caller found (startup-only settings).
     */
    static SluiceConfig read(JsonNode doc, PathStyle paths, List<ConfigProblem> earlier) {
        return new ConfigReader(paths, earlier).readRoot(doc);
    }

    private SluiceConfig readRoot(JsonNode doc) {
        if (doc == null || !doc.isObject()) {
            throw new InvalidConfigException(List.of(new ConfigProblem("$", "must be a JSON object")));
        }
        String p = paths.root("");
        Set<String> known = ConfigKey.names(Scope.ROOT, null);
        known.add(ROUTES);
        unknownKeys(doc, known, p);
        Map<ConfigKey, Object> root = values(doc, Scope.ROOT, p);
        List<RouteDraft> routes = new ArrayList<>();
        JsonNode list = doc.get(ROUTES);
        if (list == null || list.isNull()) {
            report(new ConfigProblem(paths.root(ROUTES), "is required"));
        } else if (!list.isArray()) {
            report(new ConfigProblem(paths.root(ROUTES), "must be an array"));
        } else if (list.size() > SluiceConfig.MAX_ROUTES) {
            // not read at all: each route costs memory and problems, and the answer is no anyway
            report(new ConfigProblem(paths.root(ROUTES), "at most " + SluiceConfig.MAX_ROUTES + " routes, was " + list.size()));
        } else {
            for (int i = 0; i < list.size(); i++) {
                RouteDraft r = readRoute(list.get(i), i);
                if (r != null) {
                    routes.add(r);
                }
            }
        }
        // the semantic problems are reported too, except for fields already reported as malformed
        return SluiceConfig.validated((Integer) root.get(ConfigKey.MAX_IN_FLIGHT), routes, paths, problems, unlisted);
    }

    private RouteDraft readRoute(JsonNode n, int index) {
        String p = paths.route(index, n.path(ConfigKey.ROUTE_NAME.path()).asText(null));
        if (!n.isObject()) {
            report(new ConfigProblem(p.substring(0, p.length() - 1), "must be an object"));
            return null;
        }
        unknownKeys(n, ConfigKey.names(Scope.ROUTE, null), p);
        Map<ConfigKey, Object> v = values(n, Scope.ROUTE, p);
        String url = (String) v.get(ConfigKey.TARGET_URL);
        @SuppressWarnings("unchecked")
        List<String> topics = (List<String>) v.get(ConfigKey.TOPICS);
        @SuppressWarnings("unchecked")
        List<String> forward = (List<String>) v.get(ConfigKey.FORWARD_HEADERS);
        RetryPolicy retry = part(p, () -> new RetryPolicy((Integer) v.get(ConfigKey.RETRY_MAX_ATTEMPTS),
                (Duration) v.get(ConfigKey.RETRY_INITIAL_BACKOFF), (Duration) v.get(ConfigKey.RETRY_MAX_BACKOFF),
                (Double) v.get(ConfigKey.RETRY_JITTER)), DEFAULT_RETRY);
        Concurrency concurrency = part(p, () -> new Concurrency((Concurrency.Mode) v.get(ConfigKey.CONCURRENCY),
                (Integer) v.get(ConfigKey.ADAPTIVE_MIN), (Integer) v.get(ConfigKey.ADAPTIVE_MAX)), DEFAULT_CONCURRENCY);
        RateLimit rate = part(p, () -> new RateLimit((Integer) v.get(ConfigKey.RATE_PER_SECOND),
                (Integer) v.get(ConfigKey.RATE_BURST), (RateLimit.Scope) v.get(ConfigKey.RATE_SCOPE)), RateLimit.OFF);
        @SuppressWarnings("unchecked")
        Map<String, SecretHeader> headers = (Map<String, SecretHeader>) v.get(ConfigKey.TARGET_HEADERS);
        @SuppressWarnings("unchecked")
        List<SecretRef> signing = (List<SecretRef>) v.get(ConfigKey.TARGET_SIGNING_SECRETS);
        OAuth2 oauth2 = (OAuth2) v.get(ConfigKey.TARGET_OAUTH2);
        @SuppressWarnings("unchecked")
        Map<String, String> files = (Map<String, String>) v.get(ConfigKey.TARGET_TLS);
        TargetTls tls = part(p, () -> new TargetTls(files.get(TargetTls.CERTIFICATE), files.get(TargetTls.KEY),
                files.get(TargetTls.CA)), TargetTls.NONE);
        Credentials credentials = part(p, () -> new Credentials(headers, signing, oauth2, tls), Credentials.NONE);
        @SuppressWarnings("unchecked")
        List<RouteFilter> filters = (List<RouteFilter>) v.get(ConfigKey.FILTERS);
        return new RouteDraft((String) v.get(ConfigKey.ROUTE_NAME), topics, url == null ? null : SluiceConfig.parseUrl(url),
                (Integer) v.get(ConfigKey.ROUTE_MAX_IN_FLIGHT), (Duration) v.get(ConfigKey.TIMEOUT), retry,
                (String) v.get(ConfigKey.DEAD_LETTER_TOPIC), (Expects) v.get(ConfigKey.EXPECTS),
                (Integer) v.get(ConfigKey.MAX_VALUE_BYTES), (Ordering) v.get(ConfigKey.ORDERING), concurrency, rate, forward,
                credentials, filters, (Boolean) v.get(ConfigKey.PAUSED));
    }

    /**
     * A part of a route as its own constructor checks it: when refused, each problem is reported
     * with the route's path {@code p} before the field the constructor names ({@code retry.jitter}),
     * so the user reads the key as written, and the default stands in. A field already reported as
     * malformed is not reported again (its default stood in for it).
     */
    private <T> T part(String p, Supplier<T> build, T dflt) {
        try {
            return build.get();
        } catch (InvalidConfigException e) {
            for (ConfigProblem refused : e.problems()) {
                String field = p + refused.field();
                if (problems.stream().noneMatch(earlier -> earlier.field().equals(field))) {
                    report(new ConfigProblem(field, refused.message()));
                }
            }
            return dflt;
        }
    }

    /** Every key of {@code scope} in {@code n}: its value, or its default when absent or malformed. */
    private Map<ConfigKey, Object> values(JsonNode n, Scope scope, String p) {
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        Map<String, JsonNode> groups = new HashMap<>();
        for (ConfigKey k : ConfigKey.of(scope)) {
            JsonNode holder = k.group() == null ? n : groups.computeIfAbsent(k.group(), g -> group(n, g, p, scope));
            values.put(k, value(holder, k, p + k.path()));
        }
        for (ConfigKey k : ConfigKey.of(scope)) {
            if (values.get(k) == null && k.defaultsTo() != null) {
                values.put(k, values.get(k.defaultsTo()));
            }
        }
        return values;
    }

    /**
     * The object {@code key} with its unknown keys reported; a missing node when it is absent or not
     * an object (then its keys take their defaults, and a required one is reported by the checks).
     */
    private JsonNode group(JsonNode n, String key, String p, Scope scope) {
        JsonNode g = n.get(key);
        boolean required = ConfigKey.of(scope).stream().anyMatch(k -> key.equals(k.group()) && k.required());
        if (g == null || (g.isNull() && !required)) {
            if (required) {
                report(new ConfigProblem(p + key, "is required"));
            }
            return MissingNode.getInstance();
        }
        if (!g.isObject()) {
            report(new ConfigProblem(p + key, "must be an object"));
            return MissingNode.getInstance();
        }
        unknownKeys(g, ConfigKey.names(scope, key), p + key + ".");
        return g;
    }

    private Object value(JsonNode holder, ConfigKey k, String path) {
        Object dflt = k.defaultValue();
        if (holder.isMissingNode()) {
            return choice(k, dflt, path);
        }
        JsonNode v = holder.get(k.leaf());
        if (v == null || v.isNull()) {
            if (k.required()) {
                report(new ConfigProblem(path, "is required"));
            }
            return k.type() == ConfigKey.Type.TOPICS ? List.of() : choice(k, dflt, path);
        }
        return switch (k.type()) {
            case INT -> v.isIntegralNumber() && v.canConvertToInt() ? v.asInt() : malformed(path, "must be an integer", dflt);
            case NUMBER -> v.isNumber() ? v.asDouble() : malformed(path, "must be a number", dflt);
            case BOOLEAN -> v.isBoolean() ? v.asBoolean() : malformed(path, "must be true or false", dflt);
            case DURATION -> duration(v, path, (Duration) dflt);
            case TEXT -> choice(k, v.isTextual() ? v.asText() : malformed(path, "must be a string", dflt), path);
            case TOPICS -> strings(v, path, SluiceConfig.MAX_TOPICS_PER_ROUTE, "an array of topic names", " topics");
            case STRINGS -> strings(v, path, Route.MAX_FORWARD_HEADERS, "an array of strings", " entries");
            case HEADERS -> SecretRefsReader.headers(v, path, this::report);
            case SECRETS -> SecretRefsReader.secrets(v, path, this::report);
            case FILTERS -> FilterReader.filters(v, path, this::report);
            case OAUTH2 -> OAuth2Reader.read(v, path, this::report);
            case TLS -> SecretRefsReader.tls(v, path, this::report);
        };
    }

    /** The value of a key spelled as one of a few words (expects, ordering, concurrency); others as they are. */
    private Object choice(ConfigKey k, Object text, String path) {
        return switch (k) {
            case EXPECTS -> oneOf(Expects.parse((String) text), Expects.notOneOf(path, (String) text), Expects.parse((String) k.defaultValue()));
            case ORDERING -> oneOf(Ordering.parse((String) text), Ordering.notOneOf(path, (String) text),
                    Ordering.parse((String) k.defaultValue()));
            case CONCURRENCY -> oneOf(Concurrency.Mode.parse((String) text), Concurrency.Mode.notOneOf(path, (String) text),
                    Concurrency.Mode.parse((String) k.defaultValue()));
            case RATE_SCOPE -> oneOf(RateLimit.Scope.parse((String) text), RateLimit.Scope.notOneOf(path, (String) text),
                    RateLimit.Scope.parse((String) k.defaultValue()));
            default -> text;
        };
    }

    private <E> E oneOf(Optional<E> parsed, ConfigProblem notOneOf, Optional<E> dflt) {
        if (parsed.isPresent()) {
            return parsed.get();
        }
        report(notOneOf);
        return dflt.orElseThrow();
    }

    private <T> T malformed(String path, String message, T dflt) {
        report(new ConfigProblem(path, message));
        return dflt;
    }

    /** Keeps the first problems and counts the rest: a hostile document may hold thousands. */
    private void report(ConfigProblem problem) {
        if (problems.size() < InvalidConfigException.MAX_LISTED) {
            problems.add(problem);
        } else {
            unlisted++;
        }
    }

    private void unknownKeys(JsonNode n, Set<String> known, String p) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!known.contains(key)) {
                report(new ConfigProblem(p + key, "unknown key (known: " + String.join(", ", new TreeSet<>(known)) + ")"));
            }
        }
    }

    /** An array of at most {@code max} strings; the strings among them when malformed. */
    private List<String> strings(JsonNode v, String path, int max, String what, String unit) {
        List<String> out = new ArrayList<>();
        if (!v.isArray()) {
            report(new ConfigProblem(path, "must be " + what));
        } else if (v.size() > max) {
            report(new ConfigProblem(path, "at most " + max + unit + ", was " + v.size()));
        } else {
            for (int i = 0; i < v.size(); i++) {
                if (v.get(i).isTextual()) {
                    out.add(v.get(i).asText());
                } else {
                    report(new ConfigProblem(path + "[" + i + "]", "must be a string"));
                }
            }
        }
        return out;
    }

    private Duration duration(JsonNode v, String path, Duration dflt) {
        if (!v.isTextual()) {
            return malformed(path, "must be a duration string such as \"200ms\", \"10s\" or \"PT1M\"", dflt);
        }
        try {
            Duration d = DurationConverter.parseDuration(v.asText());
            if (d == null) {
                throw new IllegalArgumentException("empty");
            }
            return d;
        } catch (RuntimeException e) {
            return malformed(path, "not a duration: " + ConfigProblem.quote(v.asText()) + " (e.g. \"200ms\", \"10s\", \"PT1M\")",
                    dflt);
        }
    }
}
