package dev.sluice.redrive;

import java.util.Locale;

/**
 * Which dead letters of a dead-letter topic a listing or a redrive takes: those of {@code route}
 * (a dead-letter topic may be shared), and, when set, whose reason contains {@code reason}
 * (case-insensitive), whose last HTTP status is {@code status}, whose key is {@code key} (UTF-8),
 * and that were dead-lettered from {@code fromMs} (inclusive) to {@code toMs} (exclusive), epoch
 * milliseconds.
 */
public record DeadLetterFilter(String route, String reason, Integer status, String key, Long fromMs, Long toMs) {
    /** Longest reason or key a filter takes. */
    public static final int MAX_TEXT = 256;

    public DeadLetterFilter {
        reason = reason == null || reason.isEmpty() ? null : reason.toLowerCase(Locale.ROOT);
    }

    public static DeadLetterFilter route(String route) {
        return new DeadLetterFilter(route, null, null, null, null, null);
    }

    public boolean matches(DeadLetter d) {
        if (!route.equals(d.route())) {
            return false;
        }
        if (reason != null) {
            String r = d.reason();
            if (r == null || !r.toLowerCase(Locale.ROOT).contains(reason)) {
                return false;
            }
        }
        if (status != null && d.httpStatus() != status) {
            return false;
        }
        if (key != null && !key.equals(d.keyText())) {
            return false;
        }
        if (fromMs != null && d.timestamp() < fromMs) {
            return false;
        }
        return toMs == null || d.timestamp() < toMs;
    }
}
