package dev.sluice.outcome;

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

    /**
     * The target pushing back: 429, 503, 504, or no answer at all (timeout, connection refused,
     * reset or closed). An adaptive limit backs off on these.
     */
    public boolean isBackpressure() {
        return kind == Kind.RETRIABLE && (status == 0 || status == 429 || status == 503 || status == 504);
    }

    /** The target answered in its own time (2xx, or a terminal status such as 400): a fair latency sample. */
    public boolean isAnswer() {
        return kind == Kind.SUCCESS || (kind == Kind.TERMINAL && status > 0);
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
