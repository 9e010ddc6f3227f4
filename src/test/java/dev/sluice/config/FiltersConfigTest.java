package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A route's filters as the config spells them: read, bounded, and refused at the door naming the field. */
class FiltersConfigTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode doc(String filters) throws Exception {
        return MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"http://localhost:1/x\"},\"filters\":" + filters + "}]}");
    }

    private static Route route(String filters) throws Exception {
        return ConfigJson.read(doc(filters)).routes().get(0);
    }

    private static List<String> problems(String filters) throws Exception {
        JsonNode d = doc(filters);
        return assertThrows(InvalidConfigException.class, () -> ConfigJson.read(d)).problems().stream()
                .map(ConfigProblem::toString).toList();
    }

    private static final String EVERY_KIND = "[{\"exact\":{\"type\":\"order.created\",\"kafka.header.x-tenant\":\"acme\"}},"
            + "{\"any\":[{\"prefix\":{\"source\":\"/shop/\"}},{\"suffix\":{\"kafka.key\":\"-vip\"}}]},"
            + "{\"not\":{\"all\":[{\"exact\":{\"subject\":\"test\"}}]}},"
            + "{\"cesql\":\"type LIKE 'order.%' AND (NOT EXISTS region OR region <> 'eu')\"}]";

    @Test
    void everyKindOfFilterIsReadAndWrittenBackAsGiven() throws Exception {
        Route r = route(EVERY_KIND);

        assertEquals(4, r.filters().size());
        assertEquals(new RouteFilter.Match(RouteFilter.Comparison.EXACT,
                Map.of("type", "order.created", "kafka.header.x-tenant", "acme")), r.filters().get(0));
        assertEquals(new RouteFilter.Sql("type LIKE 'order.%' AND (NOT EXISTS region OR region <> 'eu')"), r.filters().get(3));
        JsonNode written = ConfigJson.write(new SluiceConfig(256, List.of(r)), MAPPER).get("routes").get(0).get("filters");
        assertEquals(MAPPER.readTree(EVERY_KIND), written);
        // read back, the same route
        assertEquals(r, ConfigJson.read(ConfigJson.write(new SluiceConfig(256, List.of(r)), MAPPER)).routes().get(0));
    }

    @Test
    void withoutFiltersARouteTakesEveryRecord() throws Exception {
        JsonNode d = MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"http://localhost:1/x\"}}]}");
        assertEquals(List.of(), ConfigJson.read(d).routes().get(0).filters());
    }

    @Test
    void aCesqlSyntaxErrorIsRefusedWithItsPosition() throws Exception {
        List<String> p = problems("[{\"exact\":{\"type\":\"a\"}},{\"cesql\":\"type = 'a' AND\"}]");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("routes[0].filters[1].cesql: syntax error at column 15: "), p.get(0));

        // one the SDK's own listener cannot place (it throws a NullPointerException for it)
        String tripled = problems("[{\"cesql\":\"type === 'a'\"}]").get(0);
        assertTrue(tripled.startsWith("routes[0].filters[0].cesql: syntax error at column 7: "), tripled);
    }

    @Test
    void aCesqlExpressionThatCannotRunIsRefused() throws Exception {
        assertTrue(problems("[{\"cesql\":\"nosuch(type) = 'a'\"}]").get(0)
                .startsWith("routes[0].filters[0].cesql: unknown function at column 1: "));
        assertEquals(List.of("routes[0].filters[0].cesql: must be a boolean expression (this one gives a Integer)"),
                problems("[{\"cesql\":\"1 + 2\"}]"));
        assertEquals(List.of("routes[0].filters[0].cesql: is empty"), problems("[{\"cesql\":\" \"}]"));
        assertEquals(List.of("routes[0].filters[0].cesql: longer than 2048 characters"),
                problems("[{\"cesql\":\"type = '" + "x".repeat(2048) + "'\"}]"));
    }

    @Test
    void malformedFiltersAreRefusedNamingEachField() throws Exception {
        List<String> p = problems("[{\"exact\":{\"Type\":\"a\",\"id\":3}},{\"regex\":\"x\"},{\"exact\":{},\"prefix\":{}},"
                + "{\"any\":{\"exact\":{\"type\":\"a\"}}},{\"suffix\":{\"kafka.header.\":\"x\"}},{\"cesql\":7}]");
        assertEquals(List.of(
                "routes[0].filters[0].exact.Type: not an attribute: a CloudEvents attribute (lower-case letters and digits,"
                        + " at most 20), kafka.key or kafka.header.<name>",
                "routes[0].filters[0].exact.id: must be a string",
                "routes[0].filters[1].regex: unknown filter (known: exact, prefix, suffix, all, any, not, cesql)",
                "routes[0].filters[2]: must be an object with exactly one of exact, prefix, suffix, all, any, not, cesql",
                "routes[0].filters[3].any: must be an array of filters",
                "routes[0].filters[4].suffix.kafka.header.: not a header name (1 to 200 visible ASCII characters after kafka.header.)",
                "routes[0].filters[5].cesql: must be a CESQL expression (a string)"), p);
        assertEquals(List.of("routes[0].filters: must be an array of filters"), problems("{\"exact\":{\"type\":\"a\"}}"));
    }

    @Test
    void filtersAreBoundedInNumberAndDepth() throws Exception {
        String many = "[" + "{\"exact\":{\"type\":\"a\"}},".repeat(70) + "{\"exact\":{\"type\":\"a\"}}]";
        assertEquals(List.of("routes[0].filters[64]: more than 64 filters in one route"), problems(many));

        String deep = "{\"exact\":{\"type\":\"a\"}}";
        for (int i = 0; i < 9; i++) {
            deep = "{\"not\":" + deep + "}";
        }
        List<String> p = problems("[" + deep + "]");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).endsWith(": nested deeper than 8"), p.get(0));
    }

    @Test
    void inPropertiesTheFiltersAreTheSameJsonAsOneValue() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SluiceSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of(
                        "sluice.routes.orders.topics", "orders",
                        "sluice.routes.orders.target.url", "http://localhost:1/x",
                        "sluice.routes.orders.filters", "[{\"exact\":{\"type\":\"order.created\"}}]",
                        "sluice.routes.bad.topics", "bad",
                        "sluice.routes.bad.target.url", "http://localhost:1/y",
                        "sluice.routes.bad.filters", "[{\"cesql\":\"type = \"}]"), "test", 100))
                .build();
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> StartupProperties.read(config.getConfigMapping(SluiceSettings.class), config));
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).toString().startsWith("sluice.routes.bad.filters[0].cesql: syntax error at column 8"),
                e.problems().toString());
    }
}
