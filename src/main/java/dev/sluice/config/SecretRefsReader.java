package dev.sluice.config;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the secret references of a route's {@code target}, for {@link ConfigReader}: the
 * {@code headers} object (header name to {@code {"env": ...}} or {@code {"file": ...}}, with an
 * optional {@code prefix}) and the {@code signing-secrets} array of the same references. Reports
 * wrong shapes with their paths; {@link Credentials} checks the names and bounds of what it returns.
 */
final class SecretRefsReader {
    private static final String PREFIX = "prefix";
    private static final Set<String> REF_KEYS = Set.of(SecretRef.Kind.ENV.key(), SecretRef.Kind.FILE.key());
    private static final Set<String> HEADER_KEYS = Set.of(SecretRef.Kind.ENV.key(), SecretRef.Kind.FILE.key(), PREFIX);

    private SecretRefsReader() {
    }

    /** The headers at {@code path}; the well-formed ones when some are not. */
    static Map<String, SecretHeader> headers(JsonNode v, String path, Consumer<ConfigProblem> report) {
        Map<String, SecretHeader> out = new LinkedHashMap<>();
        if (!v.isObject()) {
            report.accept(new ConfigProblem(path, "must be an object of header name to {\"env\": ...} or {\"file\": ...}"));
            return out;
        }
        if (v.size() > Credentials.MAX_HEADERS) {
            // not read at all: the answer is no anyway
            report.accept(new ConfigProblem(path, "at most " + Credentials.MAX_HEADERS + " headers, was " + v.size()));
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = path + "." + e.getKey();
            SecretRef ref = ref(e.getValue(), field, HEADER_KEYS, report);
            String prefix = "";
            JsonNode p = e.getValue().get(PREFIX);
            if (p != null && !p.isNull()) {
                if (p.isTextual()) {
                    prefix = p.asText();
                } else {
                    report.accept(new ConfigProblem(field + "." + PREFIX, "must be a string"));
                }
            }
            if (ref != null) {
                out.put(e.getKey(), new SecretHeader(ref, prefix));
            }
        }
        return out;
    }

    /** The signing secrets at {@code path}; the well-formed ones when some are not. */
    static List<SecretRef> secrets(JsonNode v, String path, Consumer<ConfigProblem> report) {
        List<SecretRef> out = new ArrayList<>();
        if (!v.isArray()) {
            report.accept(new ConfigProblem(path, "must be an array of {\"env\": ...} or {\"file\": ...}"));
        } else if (v.size() > Credentials.MAX_SIGNING_SECRETS) {
            report.accept(new ConfigProblem(path, "at most " + Credentials.MAX_SIGNING_SECRETS + " secrets, was " + v.size()));
        } else {
            for (int i = 0; i < v.size(); i++) {
                SecretRef ref = ref(v.get(i), path + "[" + i + "]", REF_KEYS, report);
                if (ref != null) {
                    out.add(ref);
                }
            }
        }
        return out;
    }

    /** One reference at {@code field}: an object with exactly one of env, file; null when it is not. */
    static SecretRef ref(JsonNode n, String field, Consumer<ConfigProblem> report) {
        return ref(n, field, REF_KEYS, report);
    }

    /**
     * The TLS file paths at {@code path} ({@code certificate}, {@code key}, {@code ca}) by key, the
     * well-formed ones; {@link TargetTls} checks the paths.
     */
    static Map<String, String> tls(JsonNode v, String path, Consumer<ConfigProblem> report) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!v.isObject()) {
            report.accept(new ConfigProblem(path, "must be an object of certificate, key, ca (file paths)"));
            return out;
        }
        Set<String> known = Set.of(TargetTls.CERTIFICATE, TargetTls.KEY, TargetTls.CA);
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = path + "." + e.getKey();
            if (!known.contains(e.getKey())) {
                report.accept(new ConfigProblem(field, "unknown key (known: " + String.join(", ", new TreeSet<>(known)) + ")"));
            } else if (!e.getValue().isTextual()) {
                report.accept(new ConfigProblem(field, "must be a string (an absolute file path)"));
            } else {
                out.put(e.getKey(), e.getValue().asText());
            }
        }
        return out;
    }

    /** One reference: an object with exactly one of env, file (and nothing else but {@code known}). */
    private static SecretRef ref(JsonNode n, String field, Set<String> known, Consumer<ConfigProblem> report) {
        if (n == null || !n.isObject()) {
            report.accept(new ConfigProblem(field, "must be an object with one of env, file"));
            return null;
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!known.contains(key)) {
                report.accept(new ConfigProblem(field + "." + key,
                        "unknown key (known: " + String.join(", ", new TreeSet<>(known)) + ")"));
            }
        }
        JsonNode env = n.get(SecretRef.Kind.ENV.key());
        JsonNode file = n.get(SecretRef.Kind.FILE.key());
        if (env != null && file != null) {
            report.accept(new ConfigProblem(field, "give one of env, file, not both"));
            return null;
        }
        if (env == null && file == null) {
            report.accept(new ConfigProblem(field, "needs one of env, file (the secret's value is never written in the config)"));
            return null;
        }
        SecretRef.Kind kind = env != null ? SecretRef.Kind.ENV : SecretRef.Kind.FILE;
        JsonNode name = env != null ? env : file;
        if (!name.isTextual()) {
            report.accept(new ConfigProblem(field + "." + kind.key(), "must be a string"));
            return null;
        }
        return new SecretRef(kind, name.asText());
    }
}
