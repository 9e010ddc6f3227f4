package dev.sluice.config;

import java.util.Base64;

/**
 * A Standard Webhooks signing secret as providers issue it: {@code whsec_} followed by the base64
 * of 24 to 64 random bytes (the prefix may be left out). The bytes are the HMAC-SHA256 key.
 */
public final class WebhookSecret {
    public static final String PREFIX = "whsec_";
    /** Shortest key the specification allows. */
    static final int MIN_BYTES = 24;
    /** Longest key the specification allows. */
    static final int MAX_BYTES = 64;

    private WebhookSecret() {
    }

    /**
     * The key bytes of {@code secret}.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the secret
     */
    public static byte[] decode(String secret) {
        String b64 = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
        byte[] key;
        try {
            key = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a Standard Webhooks secret (whsec_ followed by base64)");
        }
        if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
            throw new IllegalArgumentException("a Standard Webhooks secret holds " + MIN_BYTES + " to " + MAX_BYTES
                    + " bytes, this one " + key.length);
        }
        return key;
    }
}
