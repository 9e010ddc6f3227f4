package dev.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.config.SluiceConfig.PathStyle;

/**
 * Reads every secret a snapshot refers to and checks it can be used: the variable is set, the file
 * readable, a header's value legal and at most {@value #MAX_HEADER_VALUE} characters, a signing
 * secret a {@link WebhookSecret}. A config that fails is refused at the door (PUT, validate, the
 * startup properties), each problem naming the field of the reference, never the value. Blocking
 * (files): run it on a worker or at startup.
 */
public final class SecretCheck {
    /** Longest value of a credential header, its prefix included. */
    public static final int MAX_HEADER_VALUE = 8192;

    private SecretCheck() {
    }

    /**
     * The problems of {@code config}'s secrets; the values read go into {@code values} (by
     * reference), so that a caller can keep them.
     */
    public static List<ConfigProblem> problems(SluiceConfig config, PathStyle paths, SecretSource source,
            Map<SecretRef, String> values) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (int i = 0; i < config.routes().size(); i++) {
            Route r = config.routes().get(i);
            String p = paths.route(i, r.name());
            r.credentials().headers().forEach((name, h) -> {
                String field = p + Credentials.HEADERS_FIELD + "." + name + "." + h.secret().kind().key();
                String value = read(problems, field, h.secret(), source, values);
                if (value != null) {
                    String wrong = headerValueProblem(h.prefix() + value);
                    if (wrong != null) {
                        problems.add(new ConfigProblem(field, h.secret() + ": " + wrong));
                    }
                }
            });
            List<SecretRef> secrets = r.credentials().signingSecrets();
            for (int s = 0; s < secrets.size(); s++) {
                SecretRef ref = secrets.get(s);
                String field = p + Credentials.SECRETS_FIELD + "[" + s + "]." + ref.kind().key();
                String value = read(problems, field, ref, source, values);
                if (value != null) {
                    try {
                        WebhookSecret.decode(value);
                    } catch (IllegalArgumentException e) {
                        problems.add(new ConfigProblem(field, ref + ": " + e.getMessage()));
                    }
                }
            }
            OAuth2 oauth2 = r.credentials().oauth2();
            if (oauth2 != null) {
                // any value will do: it is sent form-encoded inside Basic authentication
                read(problems, p + OAuth2.FIELD + "." + OAuth2.CLIENT_SECRET + "." + oauth2.clientSecret().kind().key(),
                        oauth2.clientSecret(), source, values);
            }
        }
        return problems;
    }

    /** What is wrong with a header value, or null. */
    static String headerValueProblem(String value) {
        if (value.length() > MAX_HEADER_VALUE) {
            return "the header value is longer than " + MAX_HEADER_VALUE + " characters";
        }
        return legalHeaderValue(value) ? null : "holds characters not allowed in an HTTP header value";
    }

    /** Visible ASCII, spaces and tabs only: anything else could split or corrupt the request head. */
    static boolean legalHeaderValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static String read(List<ConfigProblem> problems, String field, SecretRef ref, SecretSource source,
            Map<SecretRef, String> values) {
        String known = values.get(ref);
        if (known != null) {
            return known;
        }
        try {
            String value = source.read(ref);
            values.put(ref, value);
            return value;
        } catch (SecretSource.UnavailableException e) {
            problems.add(new ConfigProblem(field, e.getMessage()));
            return null;
        }
    }
}
