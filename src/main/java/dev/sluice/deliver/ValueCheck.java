package dev.sluice.deliver;

import java.util.Optional;

import dev.sluice.pipeline.Event;

/**
 * Whether a record value is what its route expects ({@link dev.sluice.config.Expects}). Pure CPU
 * work, no I/O, safe to call from any thread; {@link ValueGate} decides which thread runs it.
 */
interface ValueCheck {

    /** Empty when the value qualifies, else why not, as the dead-letter reason ("invalid-json: ..."). */
    Optional<String> refusal(Event event);

    /** Most characters of a reason: parser messages may quote the value, and reasons go to logs and headers. */
    int MAX_REASON_CHARS = 300;

    static Optional<String> refused(String reason) {
        return Optional.of(reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS - 3) + "...");
    }
}
