package dev.sluice.deliver;

import java.util.Optional;

import dev.sluice.pipeline.Event;

/** {@code expects = json}: the value is one well-formed JSON value. A tombstone is not. */
final class JsonValueCheck implements ValueCheck {
    static final String REASON = "invalid-json: ";

    @Override
    public Optional<String> refusal(Event event) {
        if (event.value() == null) {
            return ValueCheck.refused(REASON + "no value (tombstone)");
        }
        String problem = JsonSyntax.problem(event.value());
        return problem == null ? Optional.empty() : ValueCheck.refused(REASON + problem);
    }
}
