package dev.sluice.deliver.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.config.WebhookSecret;

/** The Standard Webhooks scheme, checked against the specification's own example. */
class WebhookSignatureTest {
    /** The example of the specification's reference libraries (standard-webhooks, svix). */
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330;
    private static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void signsAsTheSpecificationsExample() {
        assertEquals(SPEC_SIGNATURE,
                WebhookSignature.sign(List.of(WebhookSecret.decode(SPEC_SECRET)), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY));
    }

    @Test
    void aSecretWithoutItsPrefixIsTheSameKey() {
        assertEquals(SPEC_SIGNATURE, WebhookSignature.sign(List.of(WebhookSecret.decode(SPEC_SECRET.substring(6))), SPEC_ID,
                SPEC_TIMESTAMP, SPEC_BODY));
    }

    @Test
    void severalSecretsGiveOneSignatureEachSpaceSeparatedInOrder() {
        byte[] other = WebhookSecret.decode("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]));
        String one = WebhookSignature.sign(List.of(other), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);

        assertEquals(SPEC_SIGNATURE + " " + one,
                WebhookSignature.sign(List.of(WebhookSecret.decode(SPEC_SECRET), other), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY));
    }

    @Test
    void anyChangeOfIdTimestampOrBodyChangesTheSignature() {
        List<byte[]> key = List.of(WebhookSecret.decode(SPEC_SECRET));
        String signed = WebhookSignature.sign(key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);

        assertEquals(false, signed.equals(WebhookSignature.sign(key, SPEC_ID + "x", SPEC_TIMESTAMP, SPEC_BODY)));
        assertEquals(false, signed.equals(WebhookSignature.sign(key, SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_BODY)));
        assertEquals(false, signed.equals(WebhookSignature.sign(key, SPEC_ID, SPEC_TIMESTAMP, new byte[0])));
    }

    @Test
    void aTombstoneSignsAnEmptyBody() {
        List<byte[]> key = List.of(WebhookSecret.decode(SPEC_SECRET));
        assertEquals(WebhookSignature.sign(key, SPEC_ID, SPEC_TIMESTAMP, new byte[0]),
                WebhookSignature.sign(key, SPEC_ID, SPEC_TIMESTAMP, null));
    }
}
