package dev.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.eclipse.microprofile.config.Config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.config.ConfigKey.Scope;
import dev.sluice.config.SluiceConfig.PathStyle;

/**
 * The startup properties of the snapshot ({@code sluice.max-in-flight}, {@code sluice.routes.<name>.*})
 * turned into the JSON document the admin API takes, then read by the same {@link ConfigReader}:
 * one reader, one set of defaults ({@link ConfigKey}), problems named by property key. A number
 * that does not parse goes in as text, so the reader refuses it by its key ("must be an integer").
 * {@link SluiceSettings} still declares the keys, so that SmallRye refuses unknown ones and maps
 * environment variables onto them.
 */
public final class StartupProperties {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private StartupProperties() {
    }

    /** Builds and validates the seed snapshot; throws listing every problem of the startup settings. */
    public static SluiceConfig read(SluiceSettings settings, Config config) {
        // startup-only settings, checked here so that every startup problem is listed together
        List<ConfigProblem> startupOnly = new ArrayList<>();
        if (settings.maxWaiting() < 0 || settings.maxWaiting() > SluiceConfig.MAX_WAITING_CEILING) {
            startupOnly.add(new ConfigProblem("sluice.max-waiting",
                    "must be between 0 and " + SluiceConfig.MAX_WAITING_CEILING + ", was " + settings.maxWaiting()));
        }
        if (settings.maxWaitingPerPartition() < 1 || settings.maxWaitingPerPartition() > SluiceConfig.MAX_WAITING_CEILING) {
            startupOnly.add(new ConfigProblem("sluice.max-waiting-per-partition",
                    "must be between 1 and " + SluiceConfig.MAX_WAITING_CEILING + ", was " + settings.maxWaitingPerPartition()));
        }
        return ConfigReader.read(tree(settings.routes().keySet(), config), PathStyle.PROPERTIES, startupOnly);
    }

    /** The document the properties hold; routes sorted by name, so problems and logs list them in a stable order. */
    static ObjectNode tree(Set<String> routeNames, Config config) {
        ObjectNode root = JSON.objectNode();
        for (ConfigKey k : ConfigKey.of(Scope.ROOT)) {
            put(root, k, config, PathStyle.PROPERTIES.root(k.path()));
        }
        ArrayNode routes = root.putArray("routes");
        for (String name : new TreeSet<>(routeNames)) {
            ObjectNode r = routes.addObject();
            r.put(ConfigKey.ROUTE_NAME.path(), name);
            // a name with a dot is one map key only when quoted
            String prefix = "sluice.routes." + (name.contains(".") ? "\"" + name + "\"" : name) + ".";
            for (ConfigKey k : ConfigKey.of(Scope.ROUTE)) {
                if (k.group() != null && !r.has(k.group())) {
                    // properties have no objects, so none is missing: a missing key is named itself (target.url)
                    r.putObject(k.group());
                }
                if (k != ConfigKey.ROUTE_NAME) {
                    put(r, k, config, prefix + k.path());
                }
            }
        }
        return root;
    }

    private static void put(ObjectNode n, ConfigKey k, Config config, String property) {
        JsonNode value;
        if (k.type() == ConfigKey.Type.HEADERS || k.type() == ConfigKey.Type.SECRETS || k.type() == ConfigKey.Type.TLS) {
            value = k.type() == ConfigKey.Type.HEADERS ? headers(config, property)
                    : k.type() == ConfigKey.Type.TLS ? tls(config, property) : secrets(config, property);
            if (value == null) {
                return;
            }
        } else if (k.type() == ConfigKey.Type.OAUTH2) {
            value = nested(config, property);
            if (value == null) {
                return;
            }
        } else if (k.type() == ConfigKey.Type.TOPICS || k.type() == ConfigKey.Type.STRINGS) {
            Optional<List<String>> list = config.getOptionalValues(property, String.class);
            if (list.isEmpty()) {
                return;
            }
            ArrayNode a = JSON.arrayNode();
            list.get().forEach(a::add);
            value = a;
        } else {
            Optional<String> text = config.getOptionalValue(property, String.class);
            if (text.isEmpty()) {
                return;
            }
            value = scalar(k.type(), text.get());
        }
        ObjectNode holder = k.group() == null ? n : n.has(k.group()) ? (ObjectNode) n.get(k.group()) : n.putObject(k.group());
        holder.set(k.leaf(), value);
    }

    /**
     * {@code <property>.<header>.<key>} (the header quoted when it holds a dot) as the JSON object
     * {@code {"<header>": {"<key>": value}}}; null when there is none.
     */
    private static JsonNode headers(Config config, String property) {
        ObjectNode headers = null;
        String start = property + ".";
        for (String name : sorted(config, start)) {
            String rest = name.substring(start.length());
            int dot = rest.lastIndexOf('.');
            if (dot <= 0) {
                continue; // not a key of a header: SmallRye refuses it as unknown
            }
            String header = rest.substring(0, dot);
            if (header.length() > 1 && header.startsWith("\"") && header.endsWith("\"")) {
                header = header.substring(1, header.length() - 1);
            }
            headers = headers == null ? JSON.objectNode() : headers;
            ObjectNode h = headers.has(header) ? (ObjectNode) headers.get(header) : headers.putObject(header);
            config.getOptionalValue(name, String.class).ifPresent(v -> h.put(rest.substring(dot + 1), v));
        }
        return headers;
    }

    /** {@code <property>.<key>} (certificate, key, ca) as the JSON object {@code {"<key>": value}}; null when there is none. */
    private static JsonNode tls(Config config, String property) {
        ObjectNode tls = null;
        String start = property + ".";
        for (String name : sorted(config, start)) {
            tls = tls == null ? JSON.objectNode() : tls;
            ObjectNode t = tls;
            // every key, known or not: the reader names an unknown one by its property
            config.getOptionalValue(name, String.class).ifPresent(v -> t.put(name.substring(start.length()), v));
        }
        return tls;
    }

    /** {@code <property>[i].<key>} as the JSON array of {@code {"<key>": value}}, in index order; null when there is none. */
    private static JsonNode secrets(Config config, String property) {
        java.util.SortedMap<Integer, ObjectNode> byIndex = new java.util.TreeMap<>();
        String start = property + "[";
        for (String name : sorted(config, start)) {
            String rest = name.substring(start.length());
            int close = rest.indexOf("].");
            int index;
            try {
                index = Integer.parseInt(rest.substring(0, Math.max(close, 0)));
            } catch (NumberFormatException e) {
                continue; // not an indexed key: SmallRye refuses it as unknown
            }
            if (index < 0 || index > Credentials.MAX_SIGNING_SECRETS * 4) {
                continue;
            }
            ObjectNode ref = byIndex.computeIfAbsent(index, i -> JSON.objectNode());
            config.getOptionalValue(name, String.class).ifPresent(v -> ref.put(rest.substring(close + 2), v));
        }
        if (byIndex.isEmpty()) {
            return null;
        }
        ArrayNode a = JSON.arrayNode();
        byIndex.values().forEach(a::add);
        return a;
    }

    /**
     * {@code <property>.a} and {@code <property>.b.c} as the JSON object {@code {"a": ..., "b": {"c": ...}}}
     * (the oauth2 object); null when there is none.
     */
    private static JsonNode nested(Config config, String property) {
        ObjectNode out = null;
        String start = property + ".";
        for (String name : sorted(config, start)) {
            String[] keys = name.substring(start.length()).split("\\.", 2);
            out = out == null ? JSON.objectNode() : out;
            ObjectNode holder = out;
            if (keys.length == 2) {
                holder = out.get(keys[0]) instanceof ObjectNode o ? o : out.putObject(keys[0]);
            }
            ObjectNode h = holder;
            String leaf = keys[keys.length - 1];
            config.getOptionalValue(name, String.class).ifPresent(v -> h.put(leaf, v));
        }
        return out;
    }

    /** The property names starting with {@code start}, sorted (a stable order for problems and the written document). */
    private static Set<String> sorted(Config config, String start) {
        Set<String> names = new TreeSet<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(start)) {
                names.add(name);
            }
        }
        return names;
    }

    private static JsonNode filters(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // the reader refuses it as "must be an array of filters", naming the property
            return JSON.textNode(text);
        }
    }

    private static JsonNode scalar(ConfigKey.Type type, String text) {
        try {
            return switch (type) {
                case INT -> JSON.numberNode(Integer.parseInt(text.trim()));
                case NUMBER -> JSON.numberNode(Double.parseDouble(text.trim()));
                // anything but true or false stays text: the reader refuses it, naming the property
                case BOOLEAN -> "true".equalsIgnoreCase(text.trim()) || "false".equalsIgnoreCase(text.trim())
                        ? JSON.booleanNode(Boolean.parseBoolean(text.trim())) : JSON.textNode(text);
                // the filters are the JSON array of the admin API, written as one value
                case FILTERS -> filters(text);
                default -> JSON.textNode(text);
            };
        } catch (NumberFormatException e) {
            return JSON.textNode(text);
        }
    }
}
