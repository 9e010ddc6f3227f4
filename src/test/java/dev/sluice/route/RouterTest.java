package dev.sluice.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.pipeline.Event;

/** Which routes an event goes to: by topic, every route that reads it, in config order; none for other topics. */
class RouterTest {
    private static Route route(String name, String... topics) {
        return new Route(name, List.of(topics), URI.create("http://localhost/" + name), 8, Duration.ofSeconds(1),
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(100), 0), name + ".dlq", Expects.ANY,
                Route.DEFAULT_MAX_VALUE_BYTES, Ordering.KEY);
    }

    private static Event on(String topic) {
        return new Event(topic, 0, 0, 0, null, new byte[0], new RecordHeaders());
    }

    private static List<String> names(List<Route> routes) {
        return routes.stream().map(Route::name).toList();
    }

    @Test
    void anEventGoesToEveryRouteOfItsTopicInConfigOrder() {
        Router router = new Router(new SluiceConfig(64, List.of(route("audit", "orders", "payments"),
                route("billing", "payments"), route("shipping", "orders"))));

        assertEquals(List.of("audit", "shipping"), names(router.match(on("orders"))));
        assertEquals(List.of("audit", "billing"), names(router.match(on("payments"))));
        assertEquals(List.of(), names(router.match(on("refunds"))), "a topic no route reads");
    }

    @Test
    void aNewSnapshotGetsItsOwnRouterAndTheOldOneKeepsMatchingAsBefore() {
        Router before = new Router(new SluiceConfig(64, List.of(route("audit", "orders"))));
        Router after = new Router(new SluiceConfig(64, List.of(route("audit", "payments"))));

        assertEquals(List.of("audit"), names(before.match(on("orders"))));
        assertEquals(List.of(), names(after.match(on("orders"))));
        assertEquals(List.of("audit"), names(after.match(on("payments"))));
    }
}
