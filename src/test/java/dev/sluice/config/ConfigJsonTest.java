package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


class ConfigJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode doc(String routeExtras) throws Exception {
        return MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"http://localhost:1/x\"}" + routeExtras + "}]}");
    }

    private static List<ConfigProblem> problems(String routeExtras) throws Exception {
        JsonNode d = doc(routeExtras);
        return assertThrows(InvalidConfigException.class, () -> ConfigJson.read(d)).problems();
    }

    @Test
    void omittedValueOptionsTakeTheSameDefaultsAsTheProperties() throws Exception {
        Route r = ConfigJson.read(doc("")).routes().get(0);

        assertEquals(Expects.ANY, r.expects());
        assertEquals(Route.DEFAULT_MAX_VALUE_BYTES, r.maxValueBytes());
        assertEquals(Expects.parse(settingsDefault("expects")).orElseThrow(), r.expects());
        assertEquals(Integer.parseInt(settingsDefault("maxValueBytes")), r.maxValueBytes());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({ "json, JSON", "cloudevents, CLOUDEVENTS", "any, ANY", "JSON, JSON", "' CloudEvents ', CLOUDEVENTS" })
    void expectsIsReadCaseInsensitively(String text, Expects expected) throws Exception {
        assertEquals(expected, ConfigJson.read(doc(",\"expects\":\"" + text + "\"")).routes().get(0).expects());
    }

    @Test
    void orderingDefaultsToKeyIsReadAndWrittenAndChecked() throws Exception {
        assertEquals(Ordering.KEY, ConfigJson.read(doc("")).routes().get(0).ordering());
        assertEquals(Ordering.parse(settingsDefault("ordering")).orElseThrow(), ConfigJson.read(doc("")).routes().get(0).ordering());
        SluiceConfig none = ConfigJson.read(doc(",\"ordering\":\"none\""));
        assertEquals(Ordering.NONE, none.routes().get(0).ordering());
        assertEquals("none", ConfigJson.write(none, new com.fasterxml.jackson.databind.ObjectMapper())
                .path("routes").get(0).path("ordering").asText());
        assertEquals(List.of("routes[0].ordering: must be one of key, partition, none, was 'random'"),
                problems(",\"ordering\":\"random\"").stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void concurrencyIsFixedByDefaultWithAdaptiveBoundsOneToMaxInFlight() throws Exception {
        Route r = ConfigJson.read(doc(",\"max-in-flight\":32")).routes().get(0);

        assertEquals(new Concurrency(Concurrency.Mode.FIXED, 1, 32), r.concurrency());
        assertEquals(Concurrency.Mode.parse(settingsDefault("concurrency")).orElseThrow(), r.concurrency().mode());
        assertEquals(RateLimit.OFF, r.rateLimit());
    }

    @Test
    void adaptiveConcurrencyIsReadAndWritten() throws Exception {
        SluiceConfig config = ConfigJson.read(doc(",\"concurrency\":\"Adaptive\",\"adaptive\":{\"min\":4,\"max\":200}"));

        assertEquals(new Concurrency(Concurrency.Mode.ADAPTIVE, 4, 200), config.routes().get(0).concurrency());
        JsonNode written = ConfigJson.write(config, MAPPER);
        assertEquals("adaptive", written.at("/routes/0/concurrency").asText());
        assertEquals(4, written.at("/routes/0/adaptive/min").asInt());
        assertEquals(200, written.at("/routes/0/adaptive/max").asInt());
        assertEquals(config, ConfigJson.read(written));
    }

    @Test
    void pausedIsFalseByDefaultIsReadAndWrittenAndMustBeABoolean() throws Exception {
        assertEquals(false, ConfigJson.read(doc("")).routes().get(0).paused());
        SluiceConfig paused = ConfigJson.read(doc(",\"paused\":true"));
        assertEquals(true, paused.routes().get(0).paused());
        assertEquals(true, ConfigJson.write(paused, MAPPER).at("/routes/0/paused").asBoolean());
        assertEquals(paused, ConfigJson.read(ConfigJson.write(paused, MAPPER)));
        assertEquals(List.of("routes[0].paused: must be true or false"),
                problems(",\"paused\":\"yes\"").stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void oneOfTwoRoutesOnATopicMayBePausedAlone() throws Exception {
        String two = "{\"routes\":[{\"name\":\"billing\",\"topics\":[\"orders\"],\"target\":{\"url\":\"http://localhost:1/b\"}%s},"
                + "{\"name\":\"audit\",\"topics\":[\"orders\",\"refunds\"],\"target\":{\"url\":\"http://localhost:1/a\"}%s}]}";
        SluiceConfig one = ConfigJson.read(MAPPER.readTree(String.format(two, ",\"paused\":true", "")));
        assertTrue(one.routes().get(0).paused());
        assertFalse(one.routes().get(1).paused());
        SluiceConfig both = ConfigJson.read(MAPPER.readTree(String.format(two, ",\"paused\":true", ",\"paused\":true")));
        assertTrue(both.routes().stream().allMatch(Route::paused));
    }

    @Test
    void rateLimitBurstDefaultsToPerSecond() throws Exception {
        assertEquals(new RateLimit(50, 50), ConfigJson.read(doc(",\"rate-limit\":{\"per-second\":50}")).routes().get(0).rateLimit());
        SluiceConfig config = ConfigJson.read(doc(",\"rate-limit\":{\"per-second\":50,\"burst\":10}"));
        assertEquals(new RateLimit(50, 10), config.routes().get(0).rateLimit());
        assertEquals(config, ConfigJson.read(ConfigJson.write(config, MAPPER)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown mode           | ,\"concurrency\":\"elastic\"                 | routes[0].concurrency: must be one of fixed, adaptive, was 'elastic'",
            "adaptive not an object | ,\"adaptive\":5                              | routes[0].adaptive: must be an object",
            "adaptive unknown key   | ,\"adaptive\":{\"initial\":3}                 | routes[0].adaptive.initial: unknown key (known: max, min)",
            "adaptive min 0         | ,\"adaptive\":{\"min\":0}                     | routes[0].adaptive.min: must be between 1 and 4096, was 0",
            "adaptive min above max | ,\"adaptive\":{\"min\":9,\"max\":8}            | routes[0].adaptive.min: must not exceed adaptive.max (8), was 9",
            "adaptive max text      | ,\"adaptive\":{\"max\":\"lots\"}                | routes[0].adaptive.max: must be an integer",
            "rate unknown key       | ,\"rate-limit\":{\"per-minute\":5}              | routes[0].rate-limit.per-minute: unknown key (known: burst, per-second, scope)",
            "rate negative          | ,\"rate-limit\":{\"per-second\":-5}             | routes[0].rate-limit.per-second: must be between 0 (off) and 100000, was -5",
            "rate fractional        | ,\"rate-limit\":{\"per-second\":2.5}            | routes[0].rate-limit.per-second: must be an integer",
            "burst 0                | ,\"rate-limit\":{\"per-second\":5,\"burst\":0}  | routes[0].rate-limit.burst: must be between 1 and 100000, was 0",
            "burst without rate     | ,\"rate-limit\":{\"burst\":7}                   | routes[0].rate-limit.burst: has no effect without per-second; was 7" })
    void badFlowOptionsAreRefusedWithTheirFieldPath(String defect, String extras, String expected) throws Exception {
        assertEquals(List.of(expected), problems(extras).stream().map(ConfigProblem::toString).toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "zero attempts          | ,\"retry\":{\"max-attempts\":0}                     | routes[0].retry.max-attempts: must be between 1 and 100, was 0",
            "initial-backoff 0      | ,\"retry\":{\"initial-backoff\":\"0s\"}              | routes[0].retry.initial-backoff: must be between PT0.001S and PT1H, was PT0S",
            "max-backoff 2h         | ,\"retry\":{\"max-backoff\":\"2h\"}                  | routes[0].retry.max-backoff: must be between PT0.001S and PT1H, was PT2H",
            "initial above max      | ,\"retry\":{\"initial-backoff\":\"2s\",\"max-backoff\":\"1s\"} | routes[0].retry.initial-backoff: must not exceed max-backoff",
            "jitter above 1         | ,\"retry\":{\"jitter\":1.5}                          | routes[0].retry.jitter: must be between 0 and 1, was 1.5" })
    void badRetryOptionsAreRefusedWithTheirFullPath(String defect, String extras, String expected) throws Exception {
        // RetryPolicy's constructor names retry.max-attempts; the reader puts the route's path before it
        assertEquals(List.of(expected), problems(extras).stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void refusedPartsAreReportedWithTheRouteProblemsEachFieldOnce() throws Exception {
        // initial-backoff does not parse: its default (200ms) stands in, above max-backoff, and is not reported again
        List<ConfigProblem> problems = problems(",\"timeout\":\"0s\",\"retry\":{\"initial-backoff\":\"soon\","
                + "\"max-backoff\":\"100ms\",\"jitter\":-1},\"adaptive\":{\"min\":0},\"rate-limit\":{\"burst\":3}");

        assertEquals(List.of("routes[0].retry.initial-backoff", "routes[0].retry.jitter", "routes[0].adaptive.min",
                "routes[0].rate-limit.burst", "routes[0].timeout"), problems.stream().map(ConfigProblem::field).toList());
        assertEquals("not a duration: 'soon' (e.g. \"200ms\", \"10s\", \"PT1M\")", problems.get(0).message());
    }

    @Test
    void maxValueBytesIsRead() throws Exception {
        assertEquals(4096, ConfigJson.read(doc(",\"max-value-bytes\":4096")).routes().get(0).maxValueBytes());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown expects        | ,\"expects\":\"xml\"          | routes[0].expects: must be one of any, json, cloudevents, was 'xml'",
            "expects not a string   | ,\"expects\":1                | routes[0].expects: must be a string",
            "max-value-bytes zero   | ,\"max-value-bytes\":0        | routes[0].max-value-bytes: must be greater than 0, was 0",
            "max-value-bytes text   | ,\"max-value-bytes\":\"1MiB\" | routes[0].max-value-bytes: must be an integer",
            "max-value-bytes > int  | ,\"max-value-bytes\":3000000000 | routes[0].max-value-bytes: must be an integer" })
    void badValueOptionsAreRefusedWithTheirFieldPath(String defect, String extras, String expected) throws Exception {
        assertEquals(List.of(expected), problems(extras).stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void bothBadOptionsAreReportedTogether() throws Exception {
        assertEquals(List.of("routes[0].expects", "routes[0].max-value-bytes"),
                problems(",\"expects\":\"avro\",\"max-value-bytes\":-5").stream().map(ConfigProblem::field).toList());
    }

    @Test
    void writtenConfigReadsBackTheSame() throws Exception {
        SluiceConfig config = ConfigJson.read(doc(",\"expects\":\"cloudevents\",\"max-value-bytes\":65536"));

        JsonNode written = ConfigJson.write(config, MAPPER);

        assertEquals("cloudevents", written.at("/routes/0/expects").asText());
        assertEquals(65536, written.at("/routes/0/max-value-bytes").asInt());
        assertEquals(config, ConfigJson.read(written));
    }

    /** The default {@link ConfigKey} declares for a route key: there is no other (ConfigKeyTest). */
    private static String settingsDefault(String method) {
        String key = method.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
        return String.valueOf(ConfigKey.of(ConfigKey.Scope.ROUTE).stream().filter(k -> k.path().equals(key)).findFirst()
                .orElseThrow().defaultValue());
    }

    @Test
    void aDocumentWithThousandsOfRoutesIsRefusedWithoutReadingThem() throws Exception {
        String routes = String.join(",", java.util.Collections.nCopies(50_000, "{}"));
        JsonNode d = MAPPER.readTree("{\"routes\":[" + routes + "]}");

        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigJson.read(d));

        assertEquals(List.of("routes: at most 500 routes, was 50000"), e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void problemsBeyondTheFirstHundredAreCountedNotListed() throws Exception {
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            keys.append(",\"unknown").append(i).append("\":1");
        }
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigJson.read(doc(keys.toString())));

        assertEquals(InvalidConfigException.MAX_LISTED, e.problems().size());
        assertEquals(5000 - InvalidConfigException.MAX_LISTED, e.notListed());
    }

    @Test
    void refusedValuesAreQuotedShort() throws Exception {
        String huge = "x".repeat(100_000);
        List<ConfigProblem> problems = problems(",\"timeout\":\"" + huge + "\",\"ordering\":\"" + huge + "\"");

        problems.forEach(p -> org.junit.jupiter.api.Assertions.assertTrue(p.message().length() < 200, p.toString()));
        assertEquals(List.of("routes[0].timeout", "routes[0].ordering"), problems.stream().map(ConfigProblem::field).toList());
    }

    @Test
    void forwardHeadersAreReadAndChecked() throws Exception {
        assertEquals(List.of("x-tenant-"), ConfigJson.read(doc(",\"forward-headers\":[\"X-Tenant-\"]")).routes().get(0)
                .forwardHeaders());
        assertEquals(List.of("routes[0].forward-headers[0]"),
                problems(",\"forward-headers\":[\"bad name\"]").stream().map(ConfigProblem::field).toList());
    }

    @Test
    void theShownDocumentHidesCredentialsAndTheStoredOneKeepsThem() throws Exception {
        SluiceConfig c = ConfigJson.read(MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"http://u:pw@h:1/x?api_key=k3y\"}}]}"));

        assertEquals("http://***@h:1/x?api_key=***",
                ConfigJson.writeShown(c, MAPPER).at("/routes/0/target/url").asText());
        assertEquals("http://u:pw@h:1/x?api_key=k3y", ConfigJson.write(c, MAPPER).at("/routes/0/target/url").asText());
        assertEquals(c, ConfigJson.read(ConfigJson.write(c, MAPPER)), "the stored document reads back the same");
    }

    @Test
    void aRedactedUrlCopiedBackIsRefused() throws Exception {
        JsonNode d = MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"http://***@h:1/x\"}}]}");

        assertEquals(List.of("routes[0].target.url"), assertThrows(InvalidConfigException.class, () -> ConfigJson.read(d))
                .problems().stream().map(ConfigProblem::field).toList());
    }
}
