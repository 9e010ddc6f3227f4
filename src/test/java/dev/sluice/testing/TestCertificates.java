package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made for a test with the running JDK's {@code keytool} (no BouncyCastle, no
 * openssl: a clean machine with a JDK has it), written as PEM with JDK code: a test CA, and
 * certificates it issues (EC P-256, or RSA 2048), each with its unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}).
 */
public final class TestCertificates {
    private static final String PASSWORD = "changeit";
    private final Path dir;
    private final String caAlias;

    /** A certificate and its key, as PEM files. */
    public record Issued(Path certificate, Path key) {
    }

    private TestCertificates(Path dir, String caAlias) {
        this.dir = dir;
        this.caAlias = caAlias;
    }

    /** A new CA (self-signed, valid two days) in {@code dir}, named {@code name}. */
    public static TestCertificates ca(Path dir, String name) {
        TestCertificates ca = new TestCertificates(dir, name);
        ca.keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "bc:c", "-validity", "2", "-keystore", ca.store(name));
        ca.keytool("-exportcert", "-rfc", "-alias", name, "-keystore", ca.store(name), "-file", ca.caPem().toString());
        return ca;
    }

    /** The CA's certificate, PEM: what a peer trusts. */
    public Path caPem() {
        return dir.resolve(caAlias + ".ca.pem");
    }

    /** A certificate for localhost (DNS and 127.0.0.1), for a server or a client, valid two days. */
    public Issued issue(String name) {
        return issue(name, null, 2);
    }

    /** As {@link #issue(String)}, valid from {@code startDate} (keytool's spelling: {@code -3d}) for {@code days}. */
    public Issued issue(String name, String startDate, int days) {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store(name));
        return sign(name, startDate, days);
    }

    /** As {@link #issue(String)}, with an RSA 2048 key. */
    public Issued issueRsa(String name) {
        keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store(name));
        return sign(name, null, 2);
    }

    private Issued sign(String name, String startDate, int days) {
        Path csr = dir.resolve(name + ".csr");
        keytool("-certreq", "-alias", name, "-keystore", store(name), "-file", csr.toString());
        Path certificate = dir.resolve(name + ".crt.pem");
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", caAlias, "-keystore", store(caAlias),
                "-infile", csr.toString(), "-outfile", certificate.toString(), "-validity", Integer.toString(days),
                "-ext", "san=dns:localhost,ip:127.0.0.1"));
        if (startDate != null) {
            gencert.addAll(List.of("-startdate", startDate));
        }
        keytool(gencert.toArray(String[]::new));
        Path key = dir.resolve(name + ".key.pem");
        write(key, pem("PRIVATE KEY", privateKey(name).getEncoded()));
        return new Issued(certificate, key);
    }

    /** PEM text of {@code der} under {@code label}, 64 characters a line. */
    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    private PrivateKey privateKey(String alias) {
        try (InputStream in = Files.newInputStream(Path.of(store(alias)))) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            return (PrivateKey) ks.getKey(alias, PASSWORD.toCharArray());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String store(String alias) {
        return dir.resolve(alias + ".p12").toString();
    }

    private static void write(Path path, String text) {
        try {
            Files.writeString(path, text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void keytool(String... args) {
        if (args[0].equals("-genkeypair")) {
            // a new key each run: a store left by an earlier run (target/ is kept) would refuse the alias
            String store = args[java.util.Arrays.asList(args).indexOf("-keystore") + 1];
            try {
                Files.deleteIfExists(Path.of(store));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + ": " + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
