package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Startup properties to a snapshot: the route's value options, with their properties-style paths. */
class SluiceSettingsTest {

    private static SluiceConfig fromProperties(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of(
                "sluice.routes.orders.topics", "orders",
                "sluice.routes.orders.target.url", "http://localhost:1/x"));
        props.putAll(extra);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(SluiceSettings.class)
                // "10s" as Quarkus reads it, not only ISO-8601
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 100))
                .build();
        return StartupProperties.read(config.getConfigMapping(SluiceSettings.class), config);
    }

    @Test
    void valueOptionsDefaultToAnyValueUpTo1MiB() {
        Route r = fromProperties(Map.of()).routes().get(0);

        assertEquals(Expects.ANY, r.expects());
        assertEquals(1_048_576, r.maxValueBytes());
    }

    @Test
    void valueOptionsAreRead() {
        Route r = fromProperties(Map.of("sluice.routes.orders.expects", "cloudevents",
                "sluice.routes.orders.max-value-bytes", "4096")).routes().get(0);

        assertEquals(Expects.CLOUDEVENTS, r.expects());
        assertEquals(4096, r.maxValueBytes());
    }

    @Test
    void orderingDefaultsToKeyAndIsRead() {
        assertEquals(Ordering.KEY, fromProperties(Map.of()).routes().get(0).ordering());
        assertEquals(Ordering.PARTITION,
                fromProperties(Map.of("sluice.routes.orders.ordering", "Partition")).routes().get(0).ordering());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> fromProperties(Map.of("sluice.routes.orders.ordering", "fifo")));
        assertEquals(List.of("sluice.routes.orders.ordering: must be one of key, partition, none, was 'fifo'"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void concurrencyDefaultsToFixedWithAdaptiveBoundsOneToMaxInFlight() {
        Route r = fromProperties(Map.of("sluice.routes.orders.max-in-flight", "24")).routes().get(0);

        assertEquals(new Concurrency(Concurrency.Mode.FIXED, 1, 24), r.concurrency());
        assertEquals(RateLimit.OFF, r.rateLimit());
    }

    @Test
    void adaptiveConcurrencyAndRateLimitAreRead() {
        Route r = fromProperties(Map.of(
                "sluice.routes.orders.concurrency", "adaptive",
                "sluice.routes.orders.adaptive.min", "2",
                "sluice.routes.orders.adaptive.max", "48",
                "sluice.routes.orders.rate-limit.per-second", "50")).routes().get(0);

        assertEquals(new Concurrency(Concurrency.Mode.ADAPTIVE, 2, 48), r.concurrency());
        assertEquals(new RateLimit(50, 50), r.rateLimit(), "burst defaults to per-second");
    }

    @Test
    void aGroupWideRateLimitIsReadAndABadScopeOrOneWithoutARateIsRefusedByItsKey() {
        Route r = fromProperties(Map.of(
                "sluice.routes.orders.rate-limit.per-second", "100",
                "sluice.routes.orders.rate-limit.scope", "Group")).routes().get(0);
        assertEquals(new RateLimit(100, 100, RateLimit.Scope.GROUP), r.rateLimit());
        assertTrue(r.rateLimit().groupWide());

        InvalidConfigException bad = assertThrows(InvalidConfigException.class, () -> fromProperties(Map.of(
                "sluice.routes.orders.rate-limit.per-second", "100",
                "sluice.routes.orders.rate-limit.scope", "cluster")));
        assertEquals(List.of("sluice.routes.orders.rate-limit.scope: must be one of replica, group, was 'cluster'"),
                bad.problems().stream().map(ConfigProblem::toString).toList());

        InvalidConfigException off = assertThrows(InvalidConfigException.class, () -> fromProperties(Map.of(
                "sluice.routes.orders.rate-limit.scope", "group")));
        assertEquals(List.of("sluice.routes.orders.rate-limit.scope: has no effect without per-second; was group"),
                off.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void aRouteMayStartPausedFromPropertiesAndABadValueIsRefusedByItsKey() {
        assertTrue(fromProperties(Map.of("sluice.routes.orders.paused", "true")).routes().get(0).paused());
        assertFalse(fromProperties(Map.of()).routes().get(0).paused());
        InvalidConfigException bad = assertThrows(InvalidConfigException.class,
                () -> fromProperties(Map.of("sluice.routes.orders.paused", "sometimes")));
        assertEquals(List.of("sluice.routes.orders.paused: must be true or false"),
                bad.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void badFlowOptionsAreListedByKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> fromProperties(Map.of(
                "sluice.routes.orders.concurrency", "auto",
                "sluice.routes.orders.adaptive.min", "0",
                "sluice.routes.orders.rate-limit.per-second", "10",
                "sluice.routes.orders.rate-limit.burst", "0")));

        assertEquals(List.of(
                "sluice.routes.orders.concurrency: must be one of fixed, adaptive, was 'auto'",
                "sluice.routes.orders.adaptive.min: must be between 1 and 4096, was 0",
                "sluice.routes.orders.rate-limit.burst: must be between 1 and 100000, was 0"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void badRetryOptionsAreListedByKey() {
        // RetryPolicy's constructor names retry.max-attempts; the reader puts the route's property prefix before it
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> fromProperties(Map.of(
                "sluice.routes.orders.retry.max-attempts", "0",
                "sluice.routes.orders.retry.initial-backoff", "2s",
                "sluice.routes.orders.retry.max-backoff", "1s",
                "sluice.routes.orders.retry.jitter", "2")));

        assertEquals(List.of(
                "sluice.routes.orders.retry.max-attempts: must be between 1 and 100, was 0",
                "sluice.routes.orders.retry.initial-backoff: must not exceed max-backoff",
                "sluice.routes.orders.retry.jitter: must be between 0 and 1, was 2.0"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void badValueOptionsAreListedByKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> fromProperties(Map.of(
                "sluice.routes.orders.expects", "protobuf",
                "sluice.routes.orders.max-value-bytes", "0")));

        assertEquals(List.of(
                "sluice.routes.orders.expects: must be one of any, json, cloudevents, was 'protobuf'",
                "sluice.routes.orders.max-value-bytes: must be greater than 0, was 0"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void negativeOrOversizedWaitingLimitsAreRefusedByKey() {
        // before: max-waiting-per-partition=-1 was taken and held every partition paused for good;
        // max-waiting above the lanes' waiter cap failed records with IllegalStateException
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> fromProperties(Map.of(
                "sluice.max-waiting", "100000",
                "sluice.max-waiting-per-partition", "-1")));

        assertEquals(List.of(
                "sluice.max-waiting: must be between 0 and 4096, was 100000",
                "sluice.max-waiting-per-partition: must be between 1 and 4096, was -1"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void forwardHeaderPrefixesAreReadLowerCase() {
        Route r = fromProperties(Map.of("sluice.routes.orders.forward-headers", "X-Tenant-,x-request-id")).routes().get(0);

        assertEquals(List.of("x-tenant-", "x-request-id"), r.forwardHeaders());
        assertEquals(List.of(), fromProperties(Map.of()).routes().get(0).forwardHeaders(), "none by default");
    }

    @Test
    void aRouteThatCouldWaitLongerThanStuckAfterIsRefused() {
        SluiceConfig c = fromProperties(Map.of("sluice.routes.orders.timeout", "20s",
                "sluice.routes.orders.retry.max-backoff", "5m"));

        assertEquals(List.of("sluice.routes.orders.retry.max-backoff"),
                ProgressBound.check(c, Duration.ofMinutes(5), SluiceConfig.PathStyle.PROPERTIES).stream()
                        .map(ConfigProblem::field).toList());
        assertEquals(List.of("sluice.routes.orders.timeout"),
                ProgressBound.check(c, Duration.ofSeconds(20), SluiceConfig.PathStyle.PROPERTIES).stream()
                        .map(ConfigProblem::field).toList());
        assertEquals(List.of(), ProgressBound.check(c, Duration.ofMinutes(6), SluiceConfig.PathStyle.PROPERTIES));
    }

    @Test
    void malformedAndMissingRouteKeysAreRefusedByTheirPropertyKey() {
        // before: SmallRye's own conversion and "required property" errors, one at a time; now the
        // JSON reader's messages, every problem together, named by the property key
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> fromProperties(Map.of(
                "sluice.max-in-flight", "lots",
                "sluice.routes.orders.max-in-flight", "many",
                "sluice.routes.orders.retry.jitter", "some",
                "sluice.routes.orders.timeout", "soon",
                "sluice.routes.payments.retry.max-attempts", "3")));

        assertEquals(List.of(
                "sluice.max-in-flight: must be an integer",
                "sluice.routes.orders.max-in-flight: must be an integer",
                "sluice.routes.orders.timeout: not a duration: 'soon' (e.g. \"200ms\", \"10s\", \"PT1M\")",
                "sluice.routes.orders.retry.jitter: must be a number",
                "sluice.routes.payments.topics: is required",
                "sluice.routes.payments.target.url: is required"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void aRouteMaxInFlightAboveTheGlobalOneNamesBothKeys() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> fromProperties(Map.of(
                "sluice.max-in-flight", "32",
                "sluice.routes.orders.max-in-flight", "64")));

        assertEquals(List.of("sluice.routes.orders.max-in-flight: must be between 1 and the global sluice.max-in-flight (32), was 64"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void routeKeysAreReadFromEnvironmentVariablesToo() {
        // StartupProperties looks each key up by its property name; SmallRye's env source answers
        // for SLUICE_ROUTES_ORDERS_MAX_IN_FLIGHT as it did for the typed mapping
        Map<String, String> props = Map.of("sluice.routes.orders.topics", "orders",
                "sluice.routes.orders.target.url", "http://localhost:1/x");
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(SluiceSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 100))
                .withSources(new io.smallrye.config.EnvConfigSource(Map.of("SLUICE_ROUTES_ORDERS_MAX_IN_FLIGHT", "24",
                        "SLUICE_ROUTES_ORDERS_RETRY_MAX_ATTEMPTS", "2"), 300))
                .build();

        Route r = StartupProperties.read(config.getConfigMapping(SluiceSettings.class), config).routes().get(0);

        assertEquals(24, r.maxInFlight());
        assertEquals(2, r.retry().maxAttempts());
    }
}
