package dev.sluice.outcome;

/** How one route's delivery of a record ended. */
public enum DeliveryResult {
    /** The target took it. */
    DELIVERED,
    /** Written to the route's dead-letter topic, with the reason in its headers. */
    DEAD_LETTERED,
    /** Declined by the route's filters: nothing to deliver, done with for this route. */
    FILTERED,
    /** Held for its paused route in Kafka (its topic goes on for other routes): delivered on the route's resume. */
    HELD,
    /** Not started because the service is stopping or the partition went: leave the record unacked for the next owner. */
    ABANDONED
}
