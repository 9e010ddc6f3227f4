package dev.sluice.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TLS files of a route's target ({@code target.tls}), as absolute paths, never their contents:
 * a client certificate chain and its private key (PEM, the key unencrypted PKCS#8), given together,
 * and a CA bundle (PEM) trusted instead of the JVM's default; each may be absent ({@link #NONE}:
 * the JVM's trust, no client certificate). Immutable and valid as paths: the constructor checks
 * them; whether the files can be used (readable, parse, key matches certificate, not expired) is
 * checked where they are read ({@link TlsFiles}).
 *
 * @param certificate path of the PEM client certificate chain, or null
 * @param key path of its PEM PKCS#8 private key, or null (given exactly when certificate is)
 * @param ca path of the PEM CA bundle to trust, or null (the JVM's default trust)
 */
public record TargetTls(String certificate, String key, String ca) {
    /** No client certificate, the JVM's trust. */
    public static final TargetTls NONE = new TargetTls(null, null, null);

    /** Field of the TLS files, relative to a route. */
    public static final String FIELD = "target.tls";
    static final String CERTIFICATE = "certificate";
    static final String KEY = "key";
    static final String CA = "ca";

    /**
     * Checks the paths.
     *
     * @throws InvalidConfigException naming each bad field relative to the route ({@code target.tls.key})
     */
    public TargetTls {
        List<ConfigProblem> problems = new ArrayList<>();
        checkPath(problems, CERTIFICATE, certificate);
        checkPath(problems, KEY, key);
        checkPath(problems, CA, ca);
        if (certificate != null && key == null) {
            problems.add(new ConfigProblem(FIELD + "." + KEY, "is required with " + FIELD + "." + CERTIFICATE));
        } else if (key != null && certificate == null) {
            problems.add(new ConfigProblem(FIELD + "." + CERTIFICATE, "is required with " + FIELD + "." + KEY));
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

    private static void checkPath(List<ConfigProblem> problems, String name, String path) {
        if (path != null) {
            String wrong = SecretRef.file(path).problem();
            if (wrong != null) {
                problems.add(new ConfigProblem(FIELD + "." + name, wrong));
            }
        }
    }

    /** True when nothing is set: the JVM's trust, no client certificate. */
    public boolean none() {
        return certificate == null && ca == null;
    }

    /** True when the route presents a client certificate. */
    public boolean clientCertificate() {
        return certificate != null;
    }

    /** The paths set, by key ({@code certificate}, {@code key}, {@code ca}), in that order. */
    public Map<String, String> paths() {
        Map<String, String> paths = new LinkedHashMap<>();
        if (certificate != null) {
            paths.put(CERTIFICATE, certificate);
            paths.put(KEY, key);
        }
        if (ca != null) {
            paths.put(CA, ca);
        }
        return paths;
    }

    /** The paths, never a file's contents. */
    @Override
    public String toString() {
        return "TargetTls" + paths();
    }
}
