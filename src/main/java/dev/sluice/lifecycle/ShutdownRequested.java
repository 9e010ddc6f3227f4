package dev.sluice.lifecycle;

/**
 * Fired (a CDI event, synchronously on the signal's thread) when SIGTERM or SIGINT arrives, before
 * the shutdown begins: Quarkus closes the HTTP server before the drain runs, so whatever must
 * still reach an HTTP client (the live status stream's final event) goes now. An observer may
 * take a moment, bounded, and must not fail.
 *
 * @param inFlight records in flight when the signal came
 * @param drainTimeoutMs the drain timeout that follows
 */
public record ShutdownRequested(int inFlight, long drainTimeoutMs) {
}
