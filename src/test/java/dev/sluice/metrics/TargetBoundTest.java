package dev.sluice.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.config.Concurrency;
import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RateLimit;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.pipeline.PartitionShare;
import dev.sluice.schedule.ScheduleState;

/**
 * When a route counts as held back by its target: each reason in at least half of the last ten
 * samples; a route at its own fixed limit is not; one bad second does not flip it; a reason that
 * stops holding lets the route go within the window.
 */
class TargetBoundTest {
    private static final RetryPolicy RETRY = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(30), 0.5);

    private static Route route(String name, Concurrency concurrency, RateLimit rate) {
        return new Route(name, List.of("orders"), URI.create("http://localhost/" + name), 64, Duration.ofSeconds(10), RETRY,
                "sluice-dead-letter", Expects.ANY, 1 << 20, Ordering.KEY, concurrency, rate);
    }

    /** Scheduling figures of one sample. */
    private record Figures(int inFlight, int limit, int waitingForPermit, int waitingForRate) implements ScheduleState.RouteState {
        @Override
        public int mostInFlight() {
            return inFlight;
        }

        @Override
        public int behindLanes() {
            return 0;
        }

        @Override
        public int lanes() {
            return 0;
        }

        @Override
        public PartitionShare rateShare() {
            return PartitionShare.ALL;
        }
    }

    private final TargetBound bound = new TargetBound();

    private void samples(int n, Route r, Figures f, int retriesWaiting) {
        for (int i = 0; i < n; i++) {
            bound.sample(r, f, retriesWaiting);
        }
    }

    @Test
    void attemptsWaitingForRateTokensMakeARouteTargetBound() {
        Route paced = route("paced", Concurrency.fixed(64), new RateLimit(20, 20));
        samples(4, paced, new Figures(10, 64, 0, 10), 0);
        assertFalse(bound.bound("paced"), "4 of 10 seconds is not yet half the window");

        samples(1, paced, new Figures(10, 64, 0, 10), 0);

        assertTrue(bound.bound("paced"));
        assertEquals(0.5, bound.heldBack("paced", TargetBound.Reason.RATE_LIMIT));
        assertEquals(0.0, bound.heldBack("paced", TargetBound.Reason.RETRIES));
    }

    @Test
    void aRouteAtItsOwnFixedLimitIsHeldBackBySluiceNotByItsTarget() {
        Route busy = route("busy", Concurrency.fixed(4), RateLimit.OFF);
        samples(10, busy, new Figures(4, 4, 200, 0), 0);

        assertFalse(bound.bound("busy"), "more replicas would add capacity: scale on its lag");
    }

    @Test
    void anAdaptiveLimitBelowItsMaximumWithWorkWaitingIsTheTargetBackingOff() {
        Route adaptive = route("adaptive", new Concurrency(Concurrency.Mode.ADAPTIVE, 1, 64), RateLimit.OFF);
        samples(10, adaptive, new Figures(6, 6, 30, 0), 0);
        assertTrue(bound.bound("adaptive"));
        assertEquals(1.0, bound.heldBack("adaptive", TargetBound.Reason.ADAPTIVE));

        // at its maximum it is its own limit that binds; below it with nothing waiting, nothing binds
        TargetBound other = new TargetBound();
        for (int i = 0; i < 10; i++) {
            other.sample(adaptive, new Figures(64, 64, 30, 0), 0);
        }
        assertFalse(other.bound("adaptive"));
        TargetBound idle = new TargetBound();
        for (int i = 0; i < 10; i++) {
            idle.sample(adaptive, new Figures(2, 6, 0, 0), 0);
        }
        assertFalse(idle.bound("adaptive"));
    }

    @Test
    void retriesWaitingMakeARouteTargetBoundAndItRecoversWithinTheWindow() {
        Route flaky = route("flaky", Concurrency.fixed(64), RateLimit.OFF);
        samples(10, flaky, new Figures(0, 64, 0, 0), 12);
        assertTrue(bound.bound("flaky"));

        samples(6, flaky, new Figures(3, 64, 0, 0), 0);

        assertFalse(bound.bound("flaky"), "six good seconds of ten: no longer bound");
        assertEquals(0.4, bound.heldBack("flaky", TargetBound.Reason.RETRIES), 1e-9);
    }

    @Test
    void oneBadSecondDoesNotFlipItAndRoutesThatGoAreForgotten() {
        Route flaky = route("flaky", Concurrency.fixed(64), RateLimit.OFF);
        samples(1, flaky, new Figures(0, 64, 0, 0), 1);
        assertFalse(bound.bound("flaky"));

        bound.retain(Set.of());

        assertEquals(0.0, bound.heldBack("flaky", TargetBound.Reason.RETRIES));
    }
}
