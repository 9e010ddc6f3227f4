package dev.sluice.schedule;

import java.util.function.IntSupplier;

/** A route's scheduling figures, read from its permits, rate-limit queue and lanes when asked. */
public record RouteView(InFlightLimit permits, IntSupplier waitingForRateTokens, Lanes lanesOfRoute)
        implements ScheduleState.RouteState {
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
