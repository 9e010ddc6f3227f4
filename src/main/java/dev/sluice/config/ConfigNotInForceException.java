package dev.sluice.config;

/**
 * A config write that is not, and will not be, the config in force: refused up front because the
 * config topic is in a state where it could not be (see {@link ConfigTopicIntegrity}), or written
 * and then passed over by the replicas (its version went backwards, the topic was re-created).
 * Retrying does not help; an operator has to act, and the message says how.
 */
public final class ConfigNotInForceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigNotInForceException(String message) {
        super(message, null, false, false);
    }
}
