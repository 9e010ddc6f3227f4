package dev.sluice.config;

import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a route's {@code target.oauth2} object for {@link ConfigReader}: token-url, client-id,
 * client-secret ({@code {"env": ...}} or {@code {"file": ...}}), scope, audience. Reports wrong
 * shapes and the problems {@link OAuth2} finds, each with its full path; null when the route has
 * none or the object is refused (then the other fields are still checked).
 */
final class OAuth2Reader {
    private static final List<String> KEYS = List.of(OAuth2.TOKEN_URL, OAuth2.CLIENT_ID, OAuth2.CLIENT_SECRET,
            OAuth2.SCOPE, OAuth2.AUDIENCE);

    private OAuth2Reader() {
    }

    static OAuth2 read(JsonNode v, String path, Consumer<ConfigProblem> report) {
        if (!v.isObject()) {
            report.accept(new ConfigProblem(path, "must be an object with token-url, client-id, client-secret"));
            return null;
        }
        boolean malformed = false;
        java.util.Set<String> reported = new java.util.HashSet<>();
        for (Iterator<String> it = v.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                report.accept(new ConfigProblem(path + "." + key, "unknown key (known: " + String.join(", ", new TreeSet<>(KEYS)) + ")"));
                malformed = true;
            }
        }
        String[] text = new String[KEYS.size()];
        for (int i = 0; i < KEYS.size(); i++) {
            JsonNode n = v.get(KEYS.get(i));
            if (KEYS.get(i).equals(OAuth2.CLIENT_SECRET) || n == null || n.isNull()) {
                continue;
            }
            if (n.isTextual()) {
                text[i] = n.asText();
            } else {
                report.accept(new ConfigProblem(path + "." + KEYS.get(i), "must be a string"));
                reported.add(KEYS.get(i));
                malformed = true;
            }
        }
        SecretRef secret = null;
        JsonNode s = v.get(OAuth2.CLIENT_SECRET);
        if (s != null && !s.isNull()) {
            secret = SecretRefsReader.ref(s, path + "." + OAuth2.CLIENT_SECRET, report);
            if (secret == null) {
                reported.add(OAuth2.CLIENT_SECRET);
                malformed = true;
            }
        }
        try {
            OAuth2 oauth2 = new OAuth2(text[0] == null ? null : SluiceConfig.parseUrl(text[0]), text[1], secret, text[3],
                    text[4]);
            return malformed ? null : oauth2;
        } catch (InvalidConfigException e) {
            for (ConfigProblem p : e.problems()) {
                // a field already reported as malformed is not reported again as missing
                if (!reported.contains(p.field())) {
                    report.accept(new ConfigProblem(path + "." + p.field(), p.message()));
                }
            }
            return null;
        }
    }
}
