package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.sluice.config.SluiceConfig.PathStyle;

class SluiceConfigTest {
    private static final int GLOBAL = 64;

    /** A route that passes validation; each bad case changes one thing. */
    private static RouteBuilder route(String name, String... topics) {
        return new RouteBuilder(name, List.of(topics));
    }

    private static final class RouteBuilder {
        String name;
        List<String> topics;
        URI url = URI.create("https://hooks.example.com/orders");
        int maxInFlight = 8;
        Duration timeout = Duration.ofSeconds(5);
        RetryPolicy retry = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(30), 0.2);
        String deadLetterTopic;
        Expects expects = Expects.ANY;
        int maxValueBytes = Route.DEFAULT_MAX_VALUE_BYTES;
        Ordering ordering = Ordering.KEY;
        Concurrency concurrency = Concurrency.fixed(8);
        RateLimit rateLimit = RateLimit.OFF;

        RouteBuilder(String name, List<String> topics) {
            this.name = name;
            this.topics = topics;
            this.deadLetterTopic = name + ".dlq";
        }

        RouteBuilder with(UnaryOperator<RouteBuilder> change) {
            return change.apply(this);
        }

        /** The values unchecked, as a reader holds them before building the snapshot. */
        RouteDraft draft() {
            return new RouteDraft(name, topics, url, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes,
                    ordering, concurrency, rateLimit, List.of(), Credentials.NONE, List.of(), false);
        }

        Route build() {
            return new Route(name, topics, url, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes, ordering,
                    concurrency, rateLimit);
        }
    }

    private static Concurrency adaptive(int min, int max) {
        return new Concurrency(Concurrency.Mode.ADAPTIVE, min, max);
    }

    private static RetryPolicy retry(int attempts, long initialMs, long maxMs, double jitter) {
        return new RetryPolicy(attempts, Duration.ofMillis(initialMs), Duration.ofMillis(maxMs), jitter);
    }

    private static Arguments bad(String defect, int global, List<RouteBuilder> routes, String expectedField) {
        return Arguments.of(defect, global, routes, expectedField);
    }

    private static Arguments badRoute(String defect, UnaryOperator<RouteBuilder> change, String expectedField) {
        return bad(defect, GLOBAL, List.of(route("orders", "orders").with(change)), expectedField);
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                badRoute("relative url", r -> { r.url = URI.create("/hooks/orders"); return r; }, "routes[0].target.url"),
                badRoute("ftp url", r -> { r.url = URI.create("ftp://files.example.com/in"); return r; }, "routes[0].target.url"),
                badRoute("url without host", r -> { r.url = URI.create("http:orders"); return r; }, "routes[0].target.url"),
                badRoute("missing url", r -> { r.url = null; return r; }, "routes[0].target.url"),
                badRoute("no topics", r -> { r.topics = List.of(); return r; }, "routes[0].topics"),
                badRoute("invalid topic name", r -> { r.topics = List.of("orders", "bad topic!"); return r; }, "routes[0].topics[1]"),
                badRoute("route max-in-flight 0", r -> { r.maxInFlight = 0; return r; }, "routes[0].max-in-flight"),
                badRoute("route max-in-flight above global", r -> { r.maxInFlight = GLOBAL + 1; return r; }, "routes[0].max-in-flight"),
                bad("global max-in-flight 0", 0, List.of(route("orders", "orders")), "max-in-flight"),
                bad("global max-in-flight above ceiling", SluiceConfig.MAX_IN_FLIGHT_CEILING + 1,
                        List.of(route("orders", "orders")), "max-in-flight"),
                badRoute("timeout zero", r -> { r.timeout = Duration.ZERO; return r; }, "routes[0].timeout"),
                badRoute("timeout over 10 minutes", r -> { r.timeout = Duration.ofMinutes(10).plusMillis(1); return r; },
                        "routes[0].timeout"),
                badRoute("missing timeout", r -> { r.timeout = null; return r; }, "routes[0].timeout"),
                // the values within retry, concurrency and rate limit: RetryPolicyTest, ConcurrencyTest, RateLimitTest
                badRoute("missing retry", r -> { r.retry = null; return r; }, "routes[0].retry"),
                badRoute("dead-letter-topic is the route's own source",
                        r -> { r.deadLetterTopic = "orders"; return r; }, "routes[0].dead-letter-topic"),
                bad("dead-letter-topic is another route's source", GLOBAL,
                        List.of(route("orders", "orders").with(r -> { r.deadLetterTopic = "payments"; return r; }),
                                route("payments", "payments")),
                        "routes[0].dead-letter-topic"),
                bad("duplicate route names", GLOBAL, List.of(route("orders", "orders"), route("orders", "orders-eu")),
                        "routes[1].name"),
                badRoute("max-value-bytes 0", r -> { r.maxValueBytes = 0; return r; }, "routes[0].max-value-bytes"),
                badRoute("max-value-bytes negative", r -> { r.maxValueBytes = -1; return r; }, "routes[0].max-value-bytes"),
                badRoute("missing expects", r -> { r.expects = null; return r; }, "routes[0].expects"),
                badRoute("missing concurrency", r -> { r.concurrency = null; return r; }, "routes[0].concurrency"),
                badRoute("missing rate limit", r -> { r.rateLimit = null; return r; }, "routes[0].rate-limit"),
                bad("no routes", GLOBAL, List.of(), "routes"));
    }

    @ParameterizedTest(name = "{0} is reported at {3}")
    @MethodSource("badConfigs")
    void badConfigIsRefusedWithTheFieldPath(String defect, int global, List<RouteBuilder> routes, String expectedField) {
        List<RouteDraft> drafts = routes.stream().map(RouteBuilder::draft).toList();

        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> SluiceConfig.validated(global, drafts, PathStyle.JSON));

        assertTrue(fields(e).contains(expectedField), "expected a problem at " + expectedField + ", got " + e.problems());
    }

    @Test
    void propertiesPathsNameTheRouteByItsName() {
        RouteDraft noUrl = route("orders", "orders").with(r -> { r.url = null; return r; }).draft();

        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> SluiceConfig.validated(GLOBAL, List.of(noUrl), PathStyle.PROPERTIES));

        assertEquals(List.of("sluice.routes.orders.target.url"), fields(e));
    }

    @Test
    void propertiesPathForTheGlobalLimitIsPrefixed() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> SluiceConfig.validated(0, List.of(route("orders", "orders").draft()), PathStyle.PROPERTIES));

        assertTrue(fields(e).contains("sluice.max-in-flight"), e.problems().toString());
    }

    @Test
    void everyDefectIsListedNotOnlyTheFirst() {
        RouteDraft first = route("orders", "orders").with(r -> {
            r.url = URI.create("ftp://files.example.com/in");
            r.timeout = Duration.ZERO;
            r.maxValueBytes = 0;
            r.expects = null;
            return r;
        }).draft();
        RouteDraft second = route("payments", "payments").with(r -> { r.deadLetterTopic = "orders"; return r; }).draft();

        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> SluiceConfig.validated(GLOBAL, List.of(first, second), PathStyle.JSON));

        List<String> fields = fields(e);
        for (String expected : List.of("routes[0].target.url", "routes[0].timeout", "routes[0].expects",
                "routes[0].max-value-bytes", "routes[1].dead-letter-topic")) {
            assertTrue(fields.contains(expected), "missing " + expected + " in " + e.problems());
        }
        assertEquals(5, fields.size(), e.problems().toString());
    }

    @Test
    void validConfigPassesAndListsEachSourceTopicOnce() {
        List<Route> routes = List.of(
                route("orders", "orders", "orders-eu").build(),
                route("audit", "orders", "payments").build());

        SluiceConfig config = new SluiceConfig(GLOBAL, routes);

        assertEquals(List.of("orders", "orders-eu", "payments"), config.sourceTopics());
        assertEquals(GLOBAL, config.maxInFlight());
        assertEquals(routes, config.routes());
    }

    @Test
    void limitsAtTheirBoundsAreAccepted() {
        Route r = route("orders", "orders").with(x -> {
            x.maxInFlight = SluiceConfig.MAX_IN_FLIGHT_CEILING;
            x.timeout = Duration.ofMinutes(10);
            x.retry = retry(1, 1_000, 1_000, 1.0);
            x.maxValueBytes = 1;
            x.concurrency = adaptive(SluiceConfig.MAX_IN_FLIGHT_CEILING, SluiceConfig.MAX_IN_FLIGHT_CEILING);
            x.rateLimit = new RateLimit(RateLimit.CEILING, RateLimit.CEILING);
            return x;
        }).build();

        SluiceConfig config = new SluiceConfig(SluiceConfig.MAX_IN_FLIGHT_CEILING, List.of(r));

        assertEquals(1, config.routes().size());
    }

    @Test
    void lowestBoundsAreAccepted() {
        Route r = route("orders", "orders").with(x -> {
            x.concurrency = adaptive(1, 1);
            x.rateLimit = new RateLimit(1, 1);
            return x;
        }).build();

        assertEquals(1, new SluiceConfig(GLOBAL, List.of(r)).routes().size());
    }

    @Test
    void adaptiveBoundsUseTheirOwnCeilingNotTheRouteLimit() {
        Route r = route("orders", "orders").with(x -> { x.concurrency = adaptive(1, GLOBAL * 4); return x; }).build();

        assertEquals(GLOBAL * 4, new SluiceConfig(GLOBAL, List.of(r)).routes().get(0).concurrency().adaptiveMax());
    }

    @ParameterizedTest(name = "{0}: new Route(...) refuses it at {3}")
    @MethodSource("badConfigs")
    void anInvalidRouteOrSnapshotCannotBeBuilt(String defect, int global, List<RouteBuilder> routes, String expectedField) {
        // a route defect is reported by Route's constructor, relative to the route; one across routes
        // or against the global limit by SluiceConfig's, with the JSON path
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> new SluiceConfig(global, routes.stream().map(RouteBuilder::build).toList()));

        List<String> fields = fields(e);
        assertTrue(fields.contains(expectedField) || fields.contains(expectedField.replaceFirst("^routes\\[0]\\.", "")),
                "expected a problem at " + expectedField + ", got " + e.problems());
    }

    @Test
    void aRouteBuiltAloneIsCheckedAgainstTheCeilingAndItsOwnTopics() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> route("orders", "orders").with(r -> {
            r.maxInFlight = SluiceConfig.MAX_IN_FLIGHT_CEILING + 1;
            r.deadLetterTopic = "orders";
            return r;
        }).build());

        assertEquals(List.of("max-in-flight: must be between 1 and 4096, was 4097",
                "dead-letter-topic: 'orders' is also a source topic; dead letters would loop"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    private static List<String> fields(InvalidConfigException e) {
        return e.problems().stream().map(ConfigProblem::field).toList();
    }
}
