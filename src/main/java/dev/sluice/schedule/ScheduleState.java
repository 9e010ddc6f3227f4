package dev.sluice.schedule;

import dev.sluice.pipeline.PartitionShare;

/**
 * What operations (status, metrics, the drain) read of the dispatcher: the snapshot it runs,
 * requests on the wire, and each route's figures; never a limiter, a lane or a permit.
 */
public interface ScheduleState {
    /** Version of the config snapshot new records are dispatched with. */
    long appliedVersion();

    /** Requests on the wire across all routes now (at most the global max-in-flight). */
    int requestsOnWire();

    /** Requests whose route permit and rate token are taken, waiting for the wire. */
    int waitingForWire();

    /** Most requests on the wire at once since start. */
    int mostOnWire();

    /** The figures of a route, read live; null for a route the dispatcher does not know (yet). */
    RouteState route(String name);

    /** One route's scheduling figures, each read when asked. */
    interface RouteState {
        /** Requests of the route on the wire or holding its permits now. */
        int inFlight();

        /** Its in-flight limit now (adaptive or fixed). */
        int limit();

        /** Most of its permits held at once since the route came in. */
        int mostInFlight();

        /** Records waiting for one of its permits. */
        int waitingForPermit();

        /** Attempts waiting for a rate-limit token. */
        int waitingForRate();

        /** This replica's share of the route's partitions, which a group-wide rate limit is split by. */
        PartitionShare rateShare();

        /** Records waiting behind an earlier one of their lane. */
        int behindLanes();

        /** Lanes with a record under way or waiting. */
        int lanes();
    }
}
