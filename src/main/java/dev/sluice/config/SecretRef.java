package dev.sluice.config;

import java.util.regex.Pattern;

/**
 * Where a secret value comes from: an environment variable ({@code env}) or a file ({@code file},
 * e.g. a mounted Kubernetes Secret). Never the value itself: a config snapshot, the config topic
 * and everything that shows a route (admin API, logs, {@link Route#toString()}) hold only this
 * reference, and {@link #toString()} is what they show. The value is read by {@link SecretSource}.
 *
 * @param kind which source
 * @param name the variable's name, or the file's absolute path
 */
public record SecretRef(Kind kind, String name) {
    /** Longest file path. */
    static final int MAX_PATH = 1024;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,255}");

    /** The sources a secret may come from; {@link #key()} is how a config document names each. */
    public enum Kind {
        ENV("env"), FILE("file");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        /** The key of the source in a config document: {@code env} or {@code file}. */
        public String key() {
            return key;
        }
    }

    public static SecretRef env(String name) {
        return new SecretRef(Kind.ENV, name);
    }

    public static SecretRef file(String path) {
        return new SecretRef(Kind.FILE, path);
    }

    /**
     * What is wrong with the reference itself (not its value), or null: a variable name as POSIX
     * shells spell one, an absolute file path of at most {@value #MAX_PATH} characters.
     */
    String problem() {
        if (name == null || name.isEmpty()) {
            return "must not be empty";
        }
        if (kind == Kind.ENV) {
            return ENV_NAME.matcher(name).matches() ? null
                    : "not an environment variable name (letters, digits and _, not starting with a digit): "
                            + ConfigProblem.quote(name);
        }
        if (name.length() > MAX_PATH) {
            return "longer than " + MAX_PATH + " characters (" + name.length() + ")";
        }
        if (!name.startsWith("/") || name.indexOf('\0') >= 0) {
            return "not an absolute file path: " + ConfigProblem.quote(name);
        }
        return null;
    }

    /** {@code env:NAME} or {@code file:/path}: the reference, never the value. */
    @Override
    public String toString() {
        return kind.key() + ":" + name;
    }
}
