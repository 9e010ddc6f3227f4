package dev.sluice.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Target URLs may carry credentials: a password in the userinfo ({@code https://user:pass@host/})
 * or a key in the query ({@code ?api_key=...}). They are sent to the target as configured, and
 * shown nowhere: wherever a URL is displayed (admin API, logs, span attributes, dead-letter
 * reasons) its userinfo and every query value are replaced by {@value #MARK}; query names, scheme,
 * host, port and path stay, so an operator still sees where a route goes.
 */
public final class UrlRedaction {
    /** What stands in for a hidden part. */
    public static final String MARK = "***";

    private static final int MIN_SCRUBBED = 4;

    private UrlRedaction() {
    }

    /** The URL as it may be shown: userinfo and query values redacted, fragment dropped. */
    public static String shown(URI url) {
        if (url == null) {
            return null;
        }
        if (url.isOpaque() || url.getRawAuthority() == null) {
            // not a URL Sluice sends to (validation refuses it): nothing of it is worth showing
            return url.getScheme() == null ? MARK : url.getScheme() + ":" + MARK;
        }
        StringBuilder out = new StringBuilder();
        out.append(url.getScheme()).append("://");
        if (url.getRawUserInfo() != null) {
            out.append(MARK).append('@');
        }
        if (url.getHost() != null) {
            out.append(url.getHost());
            if (url.getPort() >= 0) {
                out.append(':').append(url.getPort());
            }
        } else {
            // a registry-based authority (no parsable host): it may hold anything
            out.append(MARK);
        }
        if (url.getRawPath() != null) {
            out.append(url.getRawPath());
        }
        if (url.getRawQuery() != null) {
            out.append('?');
            String[] parts = url.getRawQuery().split("&", -1);
            for (int i = 0; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                // a bare query part ("?s3cr3t") may be the secret itself
                out.append(i == 0 ? "" : "&").append(eq < 0 ? MARK : parts[i].substring(0, eq + 1) + MARK);
            }
        }
        return out.toString();
    }

    /** True when the URL holds a redacted part, i.e. it was copied from what Sluice shows. */
    public static boolean carriesMark(URI url) {
        return url != null && secrets(url).contains(MARK);
    }

    /**
     * {@code text} with every secret part of {@code url} replaced by {@value #MARK}: for messages
     * that come from elsewhere (an HTTP client's exception) and may quote the URL.
     */
    public static String scrub(String text, URI url) {
        if (text == null || url == null) {
            return text;
        }
        String out = text;
        if (url.getRawUserInfo() != null || url.getRawQuery() != null) {
            // the whole URL first, so a quoted URL reads as the shown one
            out = out.replace(url.toString(), shown(url));
        }
        for (String secret : secrets(url)) {
            // shorter values ("?page=1") are not secrets, and replacing them would garble the text
            if (secret.length() >= MIN_SCRUBBED) {
                out = out.replace(secret, MARK);
            }
        }
        return out;
    }

    /** The parts that are hidden: the userinfo and each query value, raw and decoded. */
    private static List<String> secrets(URI url) {
        List<String> secrets = new ArrayList<>();
        if (url.getRawUserInfo() != null) {
            secrets.add(url.getRawUserInfo());
            secrets.add(url.getUserInfo());
            int colon = url.getRawUserInfo().indexOf(':');
            if (colon >= 0) {
                // the password alone, as a client may quote it
                secrets.add(url.getRawUserInfo().substring(colon + 1));
            }
        }
        if (url.getRawQuery() != null) {
            for (String part : url.getRawQuery().split("&")) {
                int eq = part.indexOf('=');
                String value = eq < 0 ? part : part.substring(eq + 1);
                secrets.add(value);
                try {
                    secrets.add(java.net.URLDecoder.decode(value, java.nio.charset.StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // not decodable: the raw form is hidden, that is enough
                }
            }
        }
        secrets.removeIf(s -> s == null);
        return secrets;
    }
}
