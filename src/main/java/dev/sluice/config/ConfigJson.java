package dev.sluice.config;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a config snapshot, as the admin API reads and writes it. Keys are the same as
 * the startup properties ({@code max-in-flight}, {@code routes[i].target.url}, ...), as
 * {@link ConfigKey} declares them; durations are strings ("200ms", "10s", "PT1M"); omitted
 * optional keys take the same defaults.
 *
 * <p>Reading ({@link ConfigReader}) walks the whole document and reports every problem with its
 * path, never just the first.
 */
public final class ConfigJson {

    private ConfigJson() {
    }

    /** Reads and validates a document; throws {@link InvalidConfigException} listing every problem. */
    public static SluiceConfig read(JsonNode doc) {
        return ConfigReader.read(doc, SluiceConfig.PathStyle.JSON, List.of());
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
        put(root, ConfigKey.MAX_IN_FLIGHT, config.maxInFlight());
        ArrayNode routes = root.putArray("routes");
        for (Route r : config.routes()) {
            ObjectNode n = routes.addObject();
            for (ConfigKey k : ConfigKey.of(ConfigKey.Scope.ROUTE)) {
                put(n, k, value(r, k, redacted));
            }
        }
        return root;
    }

    /** What a route holds for a key, as written (durations and the words of choices as their config spelling). */
    private static Object value(Route r, ConfigKey k, boolean redacted) {
        return switch (k) {
            case MAX_IN_FLIGHT -> throw new IllegalArgumentException(k + " is not a route key");
            case ROUTE_NAME -> r.name();
            case TOPICS -> r.topics();
            case TARGET_URL -> redacted ? r.shownUrl() : r.targetUrl().toString();
            case ROUTE_MAX_IN_FLIGHT -> r.maxInFlight();
            case TIMEOUT -> r.timeout();
            case RETRY_MAX_ATTEMPTS -> r.retry().maxAttempts();
            case RETRY_INITIAL_BACKOFF -> r.retry().initialBackoff();
            case RETRY_MAX_BACKOFF -> r.retry().maxBackoff();
            case RETRY_JITTER -> r.retry().jitter();
            case DEAD_LETTER_TOPIC -> r.deadLetterTopic();
            case EXPECTS -> r.expects().configName();
            case MAX_VALUE_BYTES -> r.maxValueBytes();
            case ORDERING -> r.ordering().configName();
            case CONCURRENCY -> r.concurrency().mode().configName();
            case ADAPTIVE_MIN -> r.concurrency().adaptiveMin();
            case ADAPTIVE_MAX -> r.concurrency().adaptiveMax();
            case RATE_PER_SECOND -> r.rateLimit().perSecond();
            case RATE_BURST -> r.rateLimit().burst();
            case RATE_SCOPE -> r.rateLimit().scope().configName();
            case FORWARD_HEADERS -> r.forwardHeaders();
            // references only: a route holds no secret value, so the shown and the stored document agree
            case TARGET_HEADERS -> headers(r.credentials());
            case TARGET_SIGNING_SECRETS -> secrets(r.credentials());
            case TARGET_OAUTH2 -> oauth2(r.credentials().oauth2(), redacted);
            // paths only, never a file's contents
            case TARGET_TLS -> tls(r.credentials().tls());
            case FILTERS -> filters(r.filters());
            case PAUSED -> r.paused();
        };
    }

    private static ObjectNode headers(Credentials c) {
        ObjectNode headers = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        c.headers().forEach((name, h) -> {
            ObjectNode ref = headers.putObject(name).put(h.secret().kind().key(), h.secret().name());
            if (!h.prefix().isEmpty()) {
                ref.put("prefix", h.prefix());
            }
        });
        return headers;
    }

    /** The object {@link OAuth2Reader} reads back, the secret as its reference; null (written as null) for none. */
    private static ObjectNode oauth2(OAuth2 o, boolean redacted) {
        if (o == null) {
            return null;
        }
        ObjectNode n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        n.put("token-url", redacted ? o.shownTokenUrl() : o.tokenUrl().toString());
        n.put("client-id", o.clientId());
        n.putObject("client-secret").put(o.clientSecret().kind().key(), o.clientSecret().name());
        if (o.scope() != null) {
            n.put("scope", o.scope());
        }
        if (o.audience() != null) {
            n.put("audience", o.audience());
        }
        return n;
    }

    private static ArrayNode secrets(Credentials c) {
        ArrayNode secrets = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        c.signingSecrets().forEach(s -> secrets.addObject().put(s.kind().key(), s.name()));
        return secrets;
    }

    private static ObjectNode tls(TargetTls tls) {
        ObjectNode n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        tls.paths().forEach(n::put);
        return n;
    }

    private static ArrayNode filters(List<RouteFilter> filters) {
        ArrayNode a = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        filters.forEach(f -> a.add(filter(f)));
        return a;
    }

    /** A filter as {@link FilterReader} reads it back. */
    private static ObjectNode filter(RouteFilter f) {
        ObjectNode n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        if (f instanceof RouteFilter.Match m) {
            ObjectNode attributes = n.putObject(m.comparison().key());
            m.attributes().forEach(attributes::put);
        } else if (f instanceof RouteFilter.All all) {
            n.set("all", filters(all.filters()));
        } else if (f instanceof RouteFilter.Any any) {
            n.set("any", filters(any.filters()));
        } else if (f instanceof RouteFilter.Not not) {
            n.set("not", filter(not.filter()));
        } else {
            n.put("cesql", ((RouteFilter.Sql) f).expression());
        }
        return n;
    }

    private static void put(ObjectNode n, ConfigKey k, Object value) {
        ObjectNode holder = n;
        if (k.group() != null) {
            holder = n.has(k.group()) ? (ObjectNode) n.get(k.group()) : n.putObject(k.group());
        }
        String leaf = k.leaf();
        if (value instanceof Integer i) {
            holder.put(leaf, i);
        } else if (value instanceof Double d) {
            holder.put(leaf, d);
        } else if (value instanceof Boolean b) {
            holder.put(leaf, b);
        } else if (value instanceof Duration d) {
            holder.put(leaf, format(d));
        } else if (value instanceof com.fasterxml.jackson.databind.JsonNode json) {
            holder.set(leaf, json);
        } else if (value == null) {
            holder.putNull(leaf);
        } else if (value instanceof List<?> list) {
            ArrayNode a = holder.putArray(leaf);
            list.forEach(e -> a.add((String) e));
        } else {
            holder.put(leaf, (String) value);
        }
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
