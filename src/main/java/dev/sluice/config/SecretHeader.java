package dev.sluice.config;

/**
 * A header a route sets on every request to its target, its value taken from a secret: the value
 * sent is {@code prefix} followed by the secret ({@code "Bearer "} + a token).
 *
 * @param secret where the value comes from
 * @param prefix sent before the secret; empty for none. Not a secret: it is shown
 */
public record SecretHeader(SecretRef secret, String prefix) {
    public SecretHeader {
        prefix = prefix == null ? "" : prefix;
    }

    @Override
    public String toString() {
        return prefix.isEmpty() ? secret.toString() : "'" + prefix + "' + " + secret;
    }
}
