package dev.sluice.config;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

/**
 * What is wrong with the config topic as this replica sees it, one reason per kind of problem.
 * Health shows it ({@code sluice-config-topic}), a PUT is refused while a problem that makes a
 * write pointless is present ({@link Problem#refusesWrites}), and a replica does not load its
 * config while any is. Each change is logged once: ERROR when raised, INFO when resolved.
 */
public final class ConfigTopicIntegrity {
    private static final Logger LOG = Logger.getLogger(ConfigTopicIntegrity.class);

    /** The problems, each with whether a plain PUT is refused while it is present. */
    public enum Problem {
        /** Kafka cannot be reached; a PUT fails on its own (503), nothing to refuse. */
        UNREACHABLE(false),
        /** Deleted: a write now would let the broker auto-create it, not compacted. */
        MISSING(true),
        /** Not compacted: retention would delete the config in force. */
        NOT_COMPACTED(true),
        /**
         * It lost the history this replica (or another) ran: deleted and re-created, or its versions
         * went backwards. New versions would be at or below the one in force: only a reseed helps.
         */
        RESET(true),
        /** The latest record under the config key is not a usable config; the next good PUT clears it. */
        RECORD(false);

        final boolean refusesWrites;

        Problem(boolean refusesWrites) {
            this.refusesWrites = refusesWrites;
        }
    }

    private final String topic;
    private final Map<Problem, String> problems = new EnumMap<>(Problem.class);

    ConfigTopicIntegrity(String topic) {
        this.topic = topic;
    }

    void raise(Problem problem, String reason) {
        String before;
        synchronized (this) {
            before = problems.put(problem, reason);
        }
        if (!reason.equals(before)) {
            if (problem == Problem.UNREACHABLE) {
                LOG.warnf("config topic %s: %s", topic, reason);
            } else {
                LOG.errorf("config topic %s: %s", topic, reason);
            }
        }
    }

    void clear(Problem problem) {
        String before;
        synchronized (this) {
            before = problems.remove(problem);
        }
        if (before != null) {
            LOG.infof("config topic %s: resolved: %s", topic, before);
        }
    }

    public String topic() {
        return topic;
    }

    /** Every problem present, by kind; empty when the topic is sound. */
    public synchronized Map<Problem, String> problems() {
        return problems.isEmpty() ? Map.of() : new EnumMap<>(problems);
    }

    public synchronized boolean sound() {
        return problems.isEmpty();
    }

    /**
     * Why a write must not go to the topic now, if it must not: a reseed passes a reset topic and
     * an unusable latest record (it is what repairs them), never a missing or uncompacted topic.
     */
    synchronized Optional<String> refusal(boolean reseed) {
        String reasons = problems.entrySet().stream()
                .filter(e -> e.getKey().refusesWrites && !(reseed && e.getKey() == Problem.RESET))
                .map(Map.Entry::getValue).collect(Collectors.joining("; "));
        return reasons.isEmpty() ? Optional.empty() : Optional.of(reasons);
    }
}
