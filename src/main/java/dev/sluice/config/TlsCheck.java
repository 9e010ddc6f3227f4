package dev.sluice.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a route's TLS files ({@link TargetTls}) and checks they can be used: each readable and at
 * most {@value #MAX_BYTES} bytes; the certificate file a PEM chain whose first certificate is valid
 * now; the key an unencrypted PKCS#8 PEM key ({@code BEGIN PRIVATE KEY}; PKCS#1, SEC1 and encrypted
 * keys are refused, saying how to convert them) that matches the certificate (what it signs, the
 * certificate's public key verifies); the CA file a PEM bundle of one or more certificates.
 * Blocking (files): run it on a worker or at startup. Messages name the file, never its contents.
 */
final class TlsCheck {
    /** Largest TLS file read: a CA bundle of a few hundred certificates fits. */
    static final int MAX_BYTES = 1024 * 1024;
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "EdDSA", "RSASSA-PSS"};

    private TlsCheck() {
    }

    /**
     * The files' contents when every check passes; else null, with each problem added to
     * {@code problems}, its field relative to the route ({@code target.tls.key}).
     */
    static TlsMaterial read(TargetTls tls, Instant now, List<ConfigProblem> problems) {
        return read(tls, now, problems, null);
    }

    /**
     * As {@link #read(TargetTls, Instant, List)}; with the contents {@code known} to be good, a key
     * and certificate unchanged since are not matched again (a signature costs milliseconds; a
     * re-read every 30 s of unchanged files need not pay it), only their expiry is checked.
     */
    static TlsMaterial read(TargetTls tls, Instant now, List<ConfigProblem> problems, TlsMaterial known) {
        int before = problems.size();
        byte[] certificate = null;
        byte[] key = null;
        byte[] ca = null;
        Instant notAfter = null;
        if (tls.clientCertificate()) {
            String certField = TargetTls.FIELD + "." + TargetTls.CERTIFICATE;
            String keyField = TargetTls.FIELD + "." + TargetTls.KEY;
            certificate = file(problems, certField, tls.certificate());
            key = file(problems, keyField, tls.key());
            List<X509Certificate> chain = certificate == null ? List.of() : certificates(problems, certField, certificate);
            if (!chain.isEmpty()) {
                X509Certificate leaf = chain.get(0);
                notAfter = leaf.getNotAfter().toInstant();
                try {
                    leaf.checkValidity(Date.from(now));
                } catch (CertificateExpiredException e) {
                    problems.add(new ConfigProblem(certField, "expired on " + notAfter + " (" + tls.certificate() + ")"));
                } catch (CertificateNotYetValidException e) {
                    problems.add(new ConfigProblem(certField,
                            "not valid before " + leaf.getNotBefore().toInstant() + " (" + tls.certificate() + ")"));
                }
            }
            boolean unchanged = known != null && Arrays.equals(certificate, known.certificate()) && Arrays.equals(key, known.key());
            PrivateKey privateKey = key == null || unchanged ? null : privateKey(problems, keyField, tls.key(), key);
            if (privateKey != null && !chain.isEmpty() && !matches(privateKey, chain.get(0).getPublicKey())) {
                problems.add(new ConfigProblem(keyField, "does not match " + certField + " (" + tls.key() + ")"));
            }
        }
        if (tls.ca() != null) {
            String caField = TargetTls.FIELD + "." + TargetTls.CA;
            ca = file(problems, caField, tls.ca());
            if (ca != null) {
                certificates(problems, caField, ca);
            }
        }
        return problems.size() == before ? new TlsMaterial(certificate, key, ca, notAfter) : null;
    }

    private static byte[] file(List<ConfigProblem> problems, String field, String path) {
        Path p = Path.of(path);
        if (Files.isDirectory(p)) {
            problems.add(new ConfigProblem(field, "file " + path + " is a directory"));
            return null;
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(p)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            problems.add(new ConfigProblem(field, "file " + path + " does not exist"));
            return null;
        } catch (AccessDeniedException e) {
            problems.add(new ConfigProblem(field, "file " + path + " cannot be read (permission denied)"));
            return null;
        } catch (IOException | RuntimeException e) {
            problems.add(new ConfigProblem(field, "file " + path + " cannot be read (" + e.getClass().getSimpleName() + ")"));
            return null;
        }
        if (bytes.length > MAX_BYTES) {
            problems.add(new ConfigProblem(field, "file " + path + " is larger than " + MAX_BYTES + " bytes (1 MiB)"));
            return null;
        }
        return bytes;
    }

    /** The certificates of a PEM file, in order; none (and a problem) when there is none or one does not parse. */
    private static List<X509Certificate> certificates(List<ConfigProblem> problems, String field, byte[] pem) {
        List<X509Certificate> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(
                            Base64.getMimeDecoder().decode(m.group(2)))));
                }
            }
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            problems.add(new ConfigProblem(field, "holds a PEM certificate that does not parse as X.509"));
            return List.of();
        }
        if (out.isEmpty()) {
            problems.add(new ConfigProblem(field, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
        }
        return out;
    }

    private static PrivateKey privateKey(List<ConfigProblem> problems, String field, String path, byte[] pem) {
        Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
        String found = null;
        while (m.find()) {
            if (m.group(1).equals("PRIVATE KEY")) {
                byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(m.group(2));
                } catch (IllegalArgumentException e) {
                    break;
                }
                for (String algorithm : KEY_ALGORITHMS) {
                    try {
                        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                    } catch (GeneralSecurityException e) {
                        // not of this algorithm: the next
                    }
                }
                problems.add(new ConfigProblem(field, "holds a PRIVATE KEY that is not an RSA, EC or EdDSA PKCS#8 key (" + path + ")"));
                return null;
            }
            found = found == null ? m.group(1) : found;
        }
        if (found != null && found.endsWith("PRIVATE KEY")) {
            problems.add(new ConfigProblem(field, "is a '" + found + "', not an unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt (" + path + ")"));
        } else {
            problems.add(new ConfigProblem(field, "holds no PEM private key (-----BEGIN PRIVATE KEY-----) (" + path + ")"));
        }
        return null;
    }

    /** True when what {@code key} signs, {@code certificate}'s public key verifies. */
    private static boolean matches(PrivateKey key, PublicKey certificate) {
        if (key instanceof RSAPrivateCrtKey rsa && certificate instanceof RSAPublicKey pub) {
            // the same modulus and exponent: the pair, without a signature
            return rsa.getModulus().equals(pub.getModulus()) && rsa.getPublicExponent().equals(pub.getPublicExponent());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            // RSASSA-PSS and others: compared by algorithm only
            return key.getAlgorithm().equals(certificate.getAlgorithm());
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key against an RSA certificate
        }
    }
}
