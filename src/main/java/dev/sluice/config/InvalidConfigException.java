package dev.sluice.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration that fails validation; lists its problems, each with its field path. A hostile
 * document can hold thousands of problems: the first {@value #MAX_LISTED} are kept, the rest counted.
 */
public class InvalidConfigException extends RuntimeException {
    /** Problems kept and reported; {@link #notListed()} counts the others. */
    public static final int MAX_LISTED = 100;

    private final List<ConfigProblem> problems;
    private final int notListed;

    public InvalidConfigException(List<ConfigProblem> problems) {
        this(problems, 0);
    }

    /** {@code problems}, of which the first {@value #MAX_LISTED} are kept, and {@code alsoFound} more not kept. */
    public InvalidConfigException(List<ConfigProblem> problems, int alsoFound) {
        this(problems.subList(0, Math.min(problems.size(), MAX_LISTED)),
                Math.max(0, problems.size() - MAX_LISTED) + alsoFound, true);
    }

    private InvalidConfigException(List<ConfigProblem> listed, int notListed, boolean cut) {
        super("invalid Sluice configuration:\n  " + listed.stream().map(ConfigProblem::toString)
                .collect(Collectors.joining("\n  ")) + (notListed > 0 ? "\n  ... and " + notListed + " more problems" : ""));
        this.problems = List.copyOf(listed);
        this.notListed = notListed;
    }

    /** The first {@value #MAX_LISTED} problems. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    /** Problems found beyond those listed. */
    public int notListed() {
        return notListed;
    }
}
