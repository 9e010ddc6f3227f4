package dev.sluice.lifecycle;

/**
 * Fired (a CDI event, synchronously on the shutdown thread) when the drain starts and when it
 * finishes, for whoever reports it live; an observer must return at once.
 *
 * @param finished false when the drain starts, true when it ended (in time or at its deadline)
 * @param inFlight records in flight at that moment (at the end: those left unfinished)
 * @param elapsedMs since the drain started
 * @param timeoutMs the drain timeout
 */
public record DrainProgress(boolean finished, int inFlight, long elapsedMs, long timeoutMs) {
}
