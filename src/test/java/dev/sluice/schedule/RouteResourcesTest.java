package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;

class RouteResourcesTest {
    private static Route route(String name) {
        return new Route(name, List.of("t"), URI.create("http://h/x"), 4, Duration.ofSeconds(1),
                new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), 0), "dlq", Expects.ANY, 100, Ordering.KEY);
    }

    private static SluiceConfig config(String prefix, int from, int to) {
        return new SluiceConfig(64, IntStream.range(from, to).mapToObj(i -> route(prefix + i)).toList());
    }

    private static RouteResources resources() {
        return new RouteResources(System::nanoTime, (delay, task) -> {
        }, Lanes.WaitListener.NONE);
    }

    @Test
    void idleRoutesThatWentAreDropped() {
        // before: every route name ever used kept its limiter and lanes
        RouteResources r = resources();
        for (int round = 0; round < 20; round++) {
            r.apply(config("r" + round + "-", 0, 50));
        }

        assertEquals(50, r.limiters().size());
        assertEquals(50, r.lanes().size());
    }

    @Test
    void aRouteThatStaysKeepsItsLimiterAndABusyOneThatWentStaysUntilIdle() {
        RouteResources r = resources();
        r.apply(new SluiceConfig(64, List.of(route("a"), route("b"))));
        RouteLimiter a = r.limiters().get("a");
        RouteLimiter b = r.limiters().get("b");
        RouteLimiter.Pass inFlight = b.acquire().await().atMost(Duration.ofSeconds(5));

        r.apply(new SluiceConfig(64, List.of(route("a"))));
        assertSame(a, r.limiters().get("a"), "updated in place, never replaced");
        assertSame(b, r.limiters().get("b"), "still delivering: kept");

        inFlight.release();
        r.apply(new SluiceConfig(64, List.of(route("a"))));
        assertEquals(List.of("a"), List.copyOf(r.limiters().keySet()));
    }
}
