package dev.sluice.deliver;

import java.time.Duration;

/**
 * What one delivery attempt came to. Classification of HTTP answers:
 * 2xx success; 408, 429 and 5xx retriable (429/503 may carry Retry-After); any other status
 * terminal; timeouts and connection errors retriable.
 */
public record AttemptOutcome(Kind kind, int status, String reason, Duration retryAfter) {

    public enum Kind {
        SUCCESS,
        RETRIABLE,
        TERMINAL,
        /** Not attempted: the service is stopping. */
        ABANDONED
    }

    /** Status 0 stands for "no HTTP answer" (timeout, connection error). */
    public static AttemptOutcome ofStatus(int status, String statusMessage, Duration retryAfter) {
        String reason = "HTTP " + status + (statusMessage == null || statusMessage.isBlank() ? "" : " " + statusMessage);
        if (status >= 200 && status < 300) {
            return new AttemptOutcome(Kind.SUCCESS, status, reason, null);
        }
        if (status == 408 || status == 429 || (status >= 500 && status < 600)) {
            return new AttemptOutcome(Kind.RETRIABLE, status, reason, retryAfter);
        }
        return new AttemptOutcome(Kind.TERMINAL, status, reason, null);
    }

    public static AttemptOutcome ofError(String reason) {
        return new AttemptOutcome(Kind.RETRIABLE, 0, reason, null);
    }

    public static AttemptOutcome abandoned() {
        return new AttemptOutcome(Kind.ABANDONED, 0, "not started: shutting down", null);
    }

    public static AttemptOutcome terminal(String reason) {
        return new AttemptOutcome(Kind.TERMINAL, 0, reason, null);
    }
}
