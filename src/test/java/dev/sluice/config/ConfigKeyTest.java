package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.ConfigKey.Scope;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithDefault;

/** The table of snapshot keys is the only declaration of their defaults, and both readers follow it. */
class ConfigKeyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String URL = "http://localhost:1/x";

    private static SluiceConfig fromProperties(Map<String, String> props) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SluiceSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 100)).build();
        return StartupProperties.read(config.getConfigMapping(SluiceSettings.class), config);
    }

    /** One route with only its required keys, from the admin API's JSON and from startup properties. */
    private static List<JsonNode> emptyRouteFromBothReaders() throws Exception {
        SluiceConfig fromJson = ConfigJson.read(MAPPER.readTree(
                "{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],\"target\":{\"url\":\"" + URL + "\"}}]}"));
        SluiceConfig fromProperties = fromProperties(Map.of("sluice.routes.orders.topics", "orders",
                "sluice.routes.orders.target.url", URL));
        return List.of(ConfigJson.write(fromJson, MAPPER), ConfigJson.write(fromProperties, MAPPER));
    }

    @Test
    void anEmptyRouteTakesTheDeclaredDefaultsFromBothReaders() throws Exception {
        for (JsonNode doc : emptyRouteFromBothReaders()) {
            assertEquals(ConfigKey.MAX_IN_FLIGHT.defaultValue(), typed(ConfigKey.MAX_IN_FLIGHT, doc.get("max-in-flight")));
            JsonNode route = doc.at("/routes/0");
            for (ConfigKey k : ConfigKey.of(Scope.ROUTE)) {
                if (k.required()) {
                    continue;
                }
                Object expected = k.defaultsTo() != null ? typed(k.defaultsTo(), at(route, k.defaultsTo())) : k.defaultValue();
                assertEquals(expected, typed(k, at(route, k)), k.path() + " in " + doc);
            }
        }
    }

    @Test
    void bothReadersGiveTheSameSnapshot() throws Exception {
        List<JsonNode> docs = emptyRouteFromBothReaders();

        assertEquals(docs.get(0), docs.get(1));
    }

    @Test
    void theWrittenDocumentHoldsExactlyTheDeclaredKeys() throws Exception {
        JsonNode route = emptyRouteFromBothReaders().get(0).at("/routes/0");
        List<String> written = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = route.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                e.getValue().fieldNames().forEachRemaining(leaf -> written.add(e.getKey() + "." + leaf));
            } else {
                written.add(e.getKey());
            }
        }

        assertEquals(ConfigKey.of(Scope.ROUTE).stream().map(ConfigKey::path).toList(), written);
    }

    @Test
    void theStartupMappingDeclaresTheSameRouteKeysAndNoDefaultOfTheirs() throws Exception {
        List<String> mapped = new ArrayList<>();
        collect("", SluiceSettings.RouteSettings.class, mapped);
        // the name is the map key in properties (sluice.routes.<name>.*), not a key of its own
        List<String> declared = ConfigKey.of(Scope.ROUTE).stream().filter(k -> k != ConfigKey.ROUTE_NAME)
                .map(ConfigKey::path).toList();

        assertEquals(new TreeSet<>(declared), new TreeSet<>(mapped));
        assertNull(SluiceSettings.class.getMethod("maxInFlight").getAnnotation(WithDefault.class),
                "max-in-flight's default is ConfigKey's");
    }

    /** Collects the keys of a mapping interface, failing on any @WithDefault: defaults are ConfigKey's. */
    private static void collect(String prefix, Class<?> type, List<String> keys) {
        for (Method m : type.getMethods()) {
            assertNull(m.getAnnotation(WithDefault.class), type.getSimpleName() + "." + m.getName() + " has a default");
            String key = prefix + m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
            if (m.getReturnType().isInterface() && m.getReturnType().getName().startsWith("dev.sluice.")) {
                collect(key + ".", m.getReturnType(), keys);
            } else {
                keys.add(key);
            }
        }
    }

    private static JsonNode at(JsonNode route, ConfigKey k) {
        return route.at("/" + k.path().replace('.', '/'));
    }

    /** A written value as the table types it, so "200ms" and a default of "0.2s" compare equal. */
    private static Object typed(ConfigKey k, JsonNode v) {
        return switch (k.type()) {
            case INT -> v.isNumber() ? v.asInt() : Integer.valueOf(v.asText());
            case NUMBER -> v.isNumber() ? v.asDouble() : Double.valueOf(v.asText());
            case BOOLEAN -> v.isBoolean() ? v.asBoolean() : Boolean.valueOf(v.asText());
            case DURATION -> DurationConverter.parseDuration(v.asText());
            case TEXT -> v.asText();
            case TOPICS, STRINGS -> {
                List<String> list = new ArrayList<>();
                v.forEach(e -> list.add(e.asText()));
                yield list;
            }
            // an empty default: nothing written but the empty object or array
            case HEADERS, TLS -> v.isObject() && v.isEmpty() ? Map.of() : v;
            case SECRETS, FILTERS -> v.isArray() && v.isEmpty() ? List.of() : v;
            // none: written as null
            case OAUTH2 -> v.isNull() ? null : v;
        };
    }
}
