package dev.sluice.schedule;

import dev.sluice.pipeline.PartitionShare;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** A route's scheduling figures, read from its permits, rate-limit queue and lanes when asked. */
public record RouteView(InFlightLimit permits, IntSupplier waitingForRateTokens, Lanes lanesOfRoute,
        Supplier<PartitionShare> shareOfRate) implements ScheduleState.RouteState {

    /** A route that holds all of its partitions. */
    public RouteView(InFlightLimit permits, IntSupplier waitingForRateTokens, Lanes lanesOfRoute) {
        this(permits, waitingForRateTokens, lanesOfRoute, () -> PartitionShare.ALL);
    }

    @Override
    public PartitionShare rateShare() {
        return shareOfRate.get();
    }

    @Override
    public int inFlight() {
        return permits.inFlight();
    }

    @Override
    public int limit() {
        return permits.limit();
    }

    @Override
    public int mostInFlight() {
        return permits.maxObserved();
    }

    @Override
    public int waitingForPermit() {
        return permits.waiting();
    }

    @Override
    public int waitingForRate() {
        return waitingForRateTokens.getAsInt();
    }

    @Override
    public int behindLanes() {
        return lanesOfRoute.waiting();
    }

    @Override
    public int lanes() {
        return lanesOfRoute.laneCount();
    }
}
