package dev.sluice.config;

import java.time.Instant;
import java.util.Arrays;

/**
 * The contents of a route's TLS files as read and checked ({@link TlsFiles}): PEM text, to be handed
 * to the HTTP client as it is. Holds key material: {@link #toString()} shows none of it.
 *
 * @param certificate the client certificate chain (PEM), or null
 * @param key its PKCS#8 private key (PEM), or null
 * @param ca the CA bundle (PEM), or null
 * @param notAfter when the client certificate expires, or null
 */
public record TlsMaterial(byte[] certificate, byte[] key, byte[] ca, Instant notAfter) {
    /** True when both hold the same files' contents. */
    public boolean sameAs(TlsMaterial other) {
        return other != null && Arrays.equals(certificate, other.certificate) && Arrays.equals(key, other.key)
                && Arrays.equals(ca, other.ca);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsMaterial m && sameAs(m);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(certificate) * 31 + Arrays.hashCode(ca);
    }

    /** Never a file's contents. */
    @Override
    public String toString() {
        return "TlsMaterial[certificate=" + (certificate != null) + ", ca=" + (ca != null) + ", notAfter=" + notAfter + "]";
    }
}
