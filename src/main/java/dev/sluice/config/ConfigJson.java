package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.configuration.DurationConverter;

/**
 * The JSON form of a config snapshot, as the admin API reads and writes it. Keys are the same as
 * the startup properties ({@code max-in-flight}, {@code routes[i].target.url}, ...); durations are
 * strings ("200ms", "10s", "PT1M"); omitted optional keys take the same defaults.
 *
 * <p>Reading walks the whole document and reports every problem with its path, never just the
 * first: unknown keys, wrong types, missing required keys, then the semantic checks of
 * {@link SluiceConfig#validated}.
 */
public final class ConfigJson {
    private static final Set<String> ROOT_KEYS = Set.of("max-in-flight", "routes");
    private static final Set<String> ROUTE_KEYS = Set.of("name", "topics", "target", "max-in-flight", "timeout",
            "retry", "dead-letter-topic", "expects", "max-value-bytes", "ordering", "concurrency", "adaptive", "rate-limit",
            "forward-headers");
    private static final Set<String> TARGET_KEYS = Set.of("url");
    private static final Set<String> RETRY_KEYS = Set.of("max-attempts", "initial-backoff", "max-backoff", "jitter");
    private static final Set<String> ADAPTIVE_KEYS = Set.of("min", "max");
    private static final Set<String> RATE_LIMIT_KEYS = Set.of("per-second", "burst");

    private final List<ConfigProblem> problems = new ArrayList<>();
    /** Problems found beyond {@link InvalidConfigException#MAX_LISTED}: counted, not kept. */
    private int unlisted;

    private ConfigJson() {
    }

    /** Reads and validates a document; throws {@link InvalidConfigException} listing every problem. */
    public static SluiceConfig read(JsonNode doc) {
        return new ConfigJson().readRoot(doc);
    }

    /** The full document, credentials in target URLs included: for the config topic only. */
    public static ObjectNode write(SluiceConfig config, ObjectMapper mapper) {
        return write(config, mapper, false);
    }

    /** The document as it may be shown (admin API): target URLs with credentials redacted ({@link UrlRedaction}). */
    public static ObjectNode writeShown(SluiceConfig config, ObjectMapper mapper) {
        return write(config, mapper, true);
    }

    private static ObjectNode write(SluiceConfig config, ObjectMapper mapper, boolean redacted) {
        ObjectNode root = mapper.createObjectNode();
        root.put("max-in-flight", config.maxInFlight());
        ArrayNode routes = root.putArray("routes");
        for (Route r : config.routes()) {
            ObjectNode n = routes.addObject();
            n.put("name", r.name());
            ArrayNode topics = n.putArray("topics");
            r.topics().forEach(topics::add);
            n.putObject("target").put("url", redacted ? r.shownUrl() : r.targetUrl().toString());
            n.put("max-in-flight", r.maxInFlight());
            n.put("timeout", format(r.timeout()));
            ObjectNode retry = n.putObject("retry");
            retry.put("max-attempts", r.retry().maxAttempts());
            retry.put("initial-backoff", format(r.retry().initialBackoff()));
            retry.put("max-backoff", format(r.retry().maxBackoff()));
            retry.put("jitter", r.retry().jitter());
            n.put("dead-letter-topic", r.deadLetterTopic());
            n.put("expects", r.expects().configName());
            n.put("max-value-bytes", r.maxValueBytes());
            n.put("ordering", r.ordering().configName());
            n.put("concurrency", r.concurrency().mode().configName());
            n.putObject("adaptive")
                    .put("min", r.concurrency().adaptiveMin())
                    .put("max", r.concurrency().adaptiveMax());
            n.putObject("rate-limit")
                    .put("per-second", r.rateLimit().perSecond())
                    .put("burst", r.rateLimit().burst());
            ArrayNode forward = n.putArray("forward-headers");
            r.forwardHeaders().forEach(forward::add);
        }
        return root;
    }

    private SluiceConfig readRoot(JsonNode doc) {
        if (doc == null || !doc.isObject()) {
            throw new InvalidConfigException(List.of(new ConfigProblem("$", "must be a JSON object")));
        }
        unknownKeys(doc, ROOT_KEYS, "");
        int maxInFlight = integer(doc, "max-in-flight", "max-in-flight", 256);
        List<RouteDraft> routes = new ArrayList<>();
        JsonNode list = doc.get("routes");
        if (list == null || list.isNull()) {
            report(new ConfigProblem("routes", "is required"));
        } else if (!list.isArray()) {
            report(new ConfigProblem("routes", "must be an array"));
        } else if (list.size() > SluiceConfig.MAX_ROUTES) {
            // not read at all: each route costs memory and problems, and the answer is no anyway
            report(new ConfigProblem("routes", "at most " + SluiceConfig.MAX_ROUTES + " routes, was " + list.size()));
        } else {
            for (int i = 0; i < list.size(); i++) {
                RouteDraft r = readRoute(list.get(i), "routes[" + i + "].");
                if (r != null) {
                    routes.add(r);
                }
            }
        }
        // the semantic problems are reported too, except for fields already reported as malformed
        return SluiceConfig.validated(maxInFlight, routes, SluiceConfig.PathStyle.JSON, problems, unlisted);
    }

    private RouteDraft readRoute(JsonNode n, String p) {
        if (!n.isObject()) {
            report(new ConfigProblem(p.substring(0, p.length() - 1), "must be an object"));
            return null;
        }
        unknownKeys(n, ROUTE_KEYS, p);
        String name = text(n, "name", p + "name", null, true);
        List<String> topics = new ArrayList<>();
        JsonNode t = n.get("topics");
        if (t == null || t.isNull()) {
            report(new ConfigProblem(p + "topics", "is required"));
        } else if (!t.isArray()) {
            report(new ConfigProblem(p + "topics", "must be an array of topic names"));
        } else if (t.size() > SluiceConfig.MAX_TOPICS_PER_ROUTE) {
            report(new ConfigProblem(p + "topics", "at most " + SluiceConfig.MAX_TOPICS_PER_ROUTE + " topics, was " + t.size()));
        } else {
            for (int i = 0; i < t.size(); i++) {
                if (t.get(i).isTextual()) {
                    topics.add(t.get(i).asText());
                } else {
                    report(new ConfigProblem(p + "topics[" + i + "]", "must be a string"));
                }
            }
        }
        URI url = null;
        JsonNode target = n.get("target");
        if (target == null || !target.isObject()) {
            report(new ConfigProblem(p + "target", target == null ? "is required" : "must be an object"));
        } else {
            unknownKeys(target, TARGET_KEYS, p + "target.");
            String u = text(target, "url", p + "target.url", null, true);
            url = u == null ? null : SluiceConfig.parseUrl(u);
        }
        int maxInFlight = integer(n, "max-in-flight", p + "max-in-flight", 64);
        Duration timeout = duration(n, "timeout", p + "timeout", Duration.ofSeconds(10));
        JsonNode retry = group(n, "retry", p, RETRY_KEYS);
        RetryPolicy policy = new RetryPolicy(
                integer(retry, "max-attempts", p + "retry.max-attempts", 5),
                duration(retry, "initial-backoff", p + "retry.initial-backoff", Duration.ofMillis(200)),
                duration(retry, "max-backoff", p + "retry.max-backoff", Duration.ofSeconds(30)),
                number(retry, "jitter", p + "retry.jitter", 0.5));
        String dlq = text(n, "dead-letter-topic", p + "dead-letter-topic", "sluice-dead-letter", false);
        String expectsText = text(n, "expects", p + "expects", Expects.ANY.configName(), false);
        Expects expects = Expects.parse(expectsText).orElse(null);
        if (expects == null) {
            report(Expects.notOneOf(p + "expects", expectsText));
            expects = Expects.ANY;
        }
        int maxValueBytes = integer(n, "max-value-bytes", p + "max-value-bytes", Route.DEFAULT_MAX_VALUE_BYTES);
        String orderingText = text(n, "ordering", p + "ordering", Ordering.KEY.configName(), false);
        Ordering ordering = Ordering.parse(orderingText).orElse(null);
        if (ordering == null) {
            report(Ordering.notOneOf(p + "ordering", orderingText));
            ordering = Ordering.KEY;
        }
        String concurrencyText = text(n, "concurrency", p + "concurrency", Concurrency.Mode.FIXED.configName(), false);
        Concurrency.Mode mode = Concurrency.Mode.parse(concurrencyText).orElse(null);
        if (mode == null) {
            report(Concurrency.Mode.notOneOf(p + "concurrency", concurrencyText));
            mode = Concurrency.Mode.FIXED;
        }
        JsonNode adaptive = group(n, "adaptive", p, ADAPTIVE_KEYS);
        Concurrency concurrency = new Concurrency(mode,
                integer(adaptive, "min", p + "adaptive.min", Concurrency.DEFAULT_ADAPTIVE_MIN),
                integer(adaptive, "max", p + "adaptive.max", maxInFlight));
        JsonNode rate = group(n, "rate-limit", p, RATE_LIMIT_KEYS);
        int perSecond = integer(rate, "per-second", p + "rate-limit.per-second", 0);
        RateLimit rateLimit = new RateLimit(perSecond, integer(rate, "burst", p + "rate-limit.burst", perSecond));
        List<String> forward = strings(n, "forward-headers", p + "forward-headers", Route.MAX_FORWARD_HEADERS);
        // built even when malformed (defaults stand in), so the semantic checks still run on the rest
        return new RouteDraft(name, topics, url, maxInFlight, timeout, policy, dlq, expects, maxValueBytes, ordering,
                concurrency, rateLimit, forward);
    }

    /** Keeps the first problems and counts the rest: a hostile document may hold thousands. */
    private void report(ConfigProblem problem) {
        if (problems.size() < InvalidConfigException.MAX_LISTED) {
            problems.add(problem);
        } else {
            unlisted++;
        }
    }

    /**
     * The object under {@code key} with its unknown keys reported, or a null node when it is
     * absent or not an object (then its keys take their defaults).
     */
    private JsonNode group(JsonNode n, String key, String p, Set<String> known) {
        JsonNode g = n.get(key);
        if (g == null || g.isNull()) {
            return NullNode.getInstance();
        }
        if (!g.isObject()) {
            report(new ConfigProblem(p + key, "must be an object"));
            return NullNode.getInstance();
        }
        unknownKeys(g, known, p + key + ".");
        return g;
    }

    private void unknownKeys(JsonNode n, Set<String> known, String p) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            String key = it.next().getKey();
            if (!known.contains(key)) {
                report(new ConfigProblem(p + key, "unknown key (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")"));
            }
        }
    }

    /** An optional array of strings of at most {@code max} entries; empty when absent or malformed. */
    private List<String> strings(JsonNode n, String key, String path, int max) {
        JsonNode v = n.get(key);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            report(new ConfigProblem(path, "must be an array of strings"));
        } else if (v.size() > max) {
            report(new ConfigProblem(path, "at most " + max + " entries, was " + v.size()));
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

    private String text(JsonNode n, String key, String path, String dflt, boolean required) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                report(new ConfigProblem(path, "is required"));
            }
            return dflt;
        }
        if (!v.isTextual()) {
            report(new ConfigProblem(path, "must be a string"));
            return dflt;
        }
        return v.asText();
    }

    private int integer(JsonNode n, String key, String path, int dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            report(new ConfigProblem(path, "must be an integer"));
            return dflt;
        }
        return v.asInt();
    }

    private double number(JsonNode n, String key, String path, double dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            report(new ConfigProblem(path, "must be a number"));
            return dflt;
        }
        return v.asDouble();
    }

    private Duration duration(JsonNode n, String key, String path, Duration dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            report(new ConfigProblem(path, "must be a duration string such as \"200ms\", \"10s\" or \"PT1M\""));
            return dflt;
        }
        try {
            Duration d = DurationConverter.parseDuration(v.asText());
            if (d == null) {
                throw new IllegalArgumentException("empty");
            }
            return d;
        } catch (RuntimeException e) {
            report(new ConfigProblem(path, "not a duration: " + ConfigProblem.quote(v.asText()) + " (e.g. \"200ms\", \"10s\", \"PT1M\")"));
            return dflt;
        }
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
