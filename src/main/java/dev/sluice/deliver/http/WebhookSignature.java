package dev.sluice.deliver.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a request as the Standard Webhooks specification says (https://www.standardwebhooks.com/):
 * {@code webhook-signature: v1,<base64 HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>">},
 * one such signature per secret, separated by spaces, so a receiver that knows any one of them
 * accepts the request while a secret is rotated. The id is the record's {@code Idempotency-Key}
 * (the same on every attempt and redelivery of the record, so a receiver can deduplicate by it);
 * the timestamp, in unix seconds, is the attempt's. CPU work proportional to the body: large
 * bodies are signed on a worker ({@link HttpTarget}).
 */
final class WebhookSignature {
    static final String ID = "webhook-id";
    static final String TIMESTAMP = "webhook-timestamp";
    static final String SIGNATURE = "webhook-signature";
    private static final String HMAC = "HmacSHA256";

    private WebhookSignature() {
    }

    /** The value of {@code webhook-signature}: {@code v1,<sig>} for each key, in order, space-separated. */
    static String sign(List<byte[]> keys, String id, long timestamp, byte[] body) {
        byte[] signed = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(keys.size() * 48);
        for (byte[] key : keys) {
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append("v1,").append(Base64.getEncoder().encodeToString(hmac(key, signed, body)));
        }
        return out.toString();
    }

    private static byte[] hmac(byte[] key, byte[] head, byte[] body) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            mac.update(head);
            if (body != null) {
                mac.update(body);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            // every JDK has HmacSHA256, and any key length is valid for it
            throw new IllegalStateException("HMAC-SHA256 unavailable: " + e.getClass().getSimpleName());
        }
    }
}
