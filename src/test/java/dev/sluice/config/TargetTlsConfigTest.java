package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.SluiceConfig.PathStyle;
import dev.sluice.testing.TestCertificates;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * A route's {@code target.tls} as the config spells it (paths, both readers, written back) and as
 * checked at the door against real PEM files made by keytool: every bad file named by its field,
 * a key of another certificate, an expired certificate, a key that is not PKCS#8; and the files
 * read again after the interval, the last good ones kept when they break.
 */
class TargetTlsConfigTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path dir;
    private static TestCertificates ca;
    private static TestCertificates.Issued client;
    private static TestCertificates.Issued other;
    private static TestCertificates.Issued expired;
    private static TestCertificates.Issued rsa;
    private static TestCertificates.Issued otherRsa;

    private final Queue<Runnable> queued = new ArrayDeque<>();
    private final AtomicLong now = new AtomicLong();
    private final Secrets secrets = new Secrets(new SecretSource(name -> null), queued::add, now::get, Duration.ofSeconds(30));

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.ca(dir, "test-ca");
        client = ca.issue("client");
        other = ca.issue("other");
        expired = ca.issue("expired", "-3d", 1);
        rsa = ca.issueRsa("rsa");
        otherRsa = ca.issueRsa("other-rsa");
    }

    private static String tls(String certificate, String key, String ca) {
        StringBuilder b = new StringBuilder(",\"tls\":{");
        String sep = "";
        for (String[] kv : new String[][] {{"certificate", certificate}, {"key", key}, {"ca", ca}}) {
            if (kv[1] != null) {
                b.append(sep).append('"').append(kv[0]).append("\":\"").append(kv[1]).append('"');
                sep = ",";
            }
        }
        return b.append('}').toString();
    }

    private static JsonNode doc(String target) throws Exception {
        return MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"https://localhost:1/x\"" + target + "}}]}");
    }

    private static List<String> refused(String target) throws Exception {
        JsonNode d = doc(target);
        return assertThrows(InvalidConfigException.class, () -> ConfigJson.read(d)).problems().stream()
                .map(ConfigProblem::toString).toList();
    }

    /** The problems found at the door (PUT, validate) for a document that reads. */
    private List<String> atTheDoor(String target) throws Exception {
        return secrets.check(ConfigJson.read(doc(target)), PathStyle.JSON).stream().map(ConfigProblem::toString).toList();
    }

    private static String p(Path path) {
        return path.toString();
    }

    @Test
    void pathsAreReadWrittenBackAndShownNeverContents() throws Exception {
        SluiceConfig config = ConfigJson.read(doc(tls(p(client.certificate()), p(client.key()), p(ca.caPem()))));
        TargetTls tls = config.routes().get(0).credentials().tls();
        assertEquals(new TargetTls(p(client.certificate()), p(client.key()), p(ca.caPem())), tls);

        JsonNode written = ConfigJson.writeShown(config, MAPPER).at("/routes/0/target/tls");
        assertEquals(p(client.key()), written.get("key").asText());
        assertEquals(config, ConfigJson.read(ConfigJson.write(config, MAPPER)));
        String shown = config.routes().get(0).toString() + written;
        assertFalse(shown.contains("BEGIN"), shown);
        assertTrue(shown.contains(p(client.key())), shown);
    }

    @Test
    void propertiesGiveTheSameRouteAsJson() throws Exception {
        Map<String, String> props = Map.of("sluice.routes.orders.topics", "orders",
                "sluice.routes.orders.target.url", "https://localhost:1/x",
                "sluice.routes.orders.target.tls.certificate", p(client.certificate()),
                "sluice.routes.orders.target.tls.key", p(client.key()));
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SluiceSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 100)).build();

        SluiceConfig fromProperties = StartupProperties.read(config.getConfigMapping(SluiceSettings.class), config);

        assertEquals(ConfigJson.read(doc(tls(p(client.certificate()), p(client.key()), null))), fromProperties);
    }

    @Test
    void aMisspeltPropertyIsNamedByItsKey() {
        Map<String, String> props = Map.of("sluice.routes.orders.topics", "orders",
                "sluice.routes.orders.target.url", "https://localhost:1/x",
                "sluice.routes.orders.target.tls.cert", "/etc/tls/client.crt");
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SluiceSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 100)).build();

        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> StartupProperties.read(config.getConfigMapping(SluiceSettings.class), config));

        assertEquals(List.of("sluice.routes.orders.target.tls.cert: unknown key (known: ca, certificate, key)"),
                e.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void malformedPathsAreRefusedNamingTheField() throws Exception {
        assertEquals(List.of("routes[0].target.tls.key: is required with target.tls.certificate"),
                refused(tls("/etc/tls/client.crt", null, null)));
        assertEquals(List.of("routes[0].target.tls.certificate: is required with target.tls.key"),
                refused(tls(null, "/etc/tls/client.key", null)));
        assertEquals(List.of("routes[0].target.tls.ca: not an absolute file path: 'ca.pem'"), refused(tls(null, null, "ca.pem")));
        assertEquals(List.of("routes[0].target.tls: must be an object of certificate, key, ca (file paths)"),
                refused(",\"tls\":\"/etc/tls\""));
    }

    @Test
    void goodFilesPassTheDoorAndAreKept() throws Exception {
        assertEquals(List.of(), atTheDoor(tls(p(client.certificate()), p(client.key()), p(ca.caPem()))));
        assertEquals(List.of(), atTheDoor(tls(null, null, p(ca.caPem()))), "a CA alone is allowed");

        TlsMaterial kept = secrets.tls().material(new TargetTls(p(client.certificate()), p(client.key()), p(ca.caPem())))
                .await().atMost(Duration.ofSeconds(5));
        assertTrue(new String(kept.key()).contains("BEGIN PRIVATE KEY"));
        assertTrue(queued.isEmpty(), "known at the door: no read at the first delivery");
        assertFalse(kept.toString().contains("BEGIN"), kept.toString());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        assertEquals(List.of("routes[0].target.tls.key: does not match target.tls.certificate (" + other.key() + ")"),
                atTheDoor(tls(p(client.certificate()), p(other.key()), null)));
    }

    @Test
    void rsaKeysAreMatchedTooAndAKeyOfAnotherAlgorithmDoesNotMatch() throws Exception {
        assertEquals(List.of(), atTheDoor(tls(p(rsa.certificate()), p(rsa.key()), null)));
        assertEquals(List.of("routes[0].target.tls.key: does not match target.tls.certificate (" + otherRsa.key() + ")"),
                atTheDoor(tls(p(rsa.certificate()), p(otherRsa.key()), null)));
        assertEquals(List.of("routes[0].target.tls.key: does not match target.tls.certificate (" + client.key() + ")"),
                atTheDoor(tls(p(rsa.certificate()), p(client.key()), null)), "an EC key for an RSA certificate");
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        List<String> problems = atTheDoor(tls(p(expired.certificate()), p(expired.key()), null));

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("routes[0].target.tls.certificate: expired on "), problems.toString());
    }

    @Test
    void aKeyThatIsNotPkcs8IsRefusedSayingHowToConvertIt() throws Exception {
        Path pkcs1 = dir.resolve("pkcs1.key.pem");
        Files.writeString(pkcs1, TestCertificates.pem("RSA PRIVATE KEY", new byte[] {1, 2, 3}));
        Path encrypted = dir.resolve("encrypted.key.pem");
        Files.writeString(encrypted, TestCertificates.pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}));

        assertEquals(List.of("routes[0].target.tls.key: is a 'RSA PRIVATE KEY', not an unencrypted PKCS#8 key "
                + "(-----BEGIN PRIVATE KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt (" + pkcs1 + ")"),
                atTheDoor(tls(p(client.certificate()), p(pkcs1), null)));
        assertTrue(atTheDoor(tls(p(client.certificate()), p(encrypted), null)).get(0)
                .startsWith("routes[0].target.tls.key: is a 'ENCRYPTED PRIVATE KEY', not an unencrypted PKCS#8 key"));
    }

    @Test
    void eachUnusableFileIsNamedByItsField() throws Exception {
        Path missing = dir.resolve("missing.pem");
        Path notPem = dir.resolve("not-pem.txt");
        Files.writeString(notPem, "hello");
        Path large = dir.resolve("large.pem");
        Files.write(large, new byte[TlsCheck.MAX_BYTES + 1]);

        assertEquals(List.of("routes[0].target.tls.certificate: file " + missing + " does not exist",
                "routes[0].target.tls.key: holds no PEM private key (-----BEGIN PRIVATE KEY-----) (" + notPem + ")",
                "routes[0].target.tls.ca: file " + large + " is larger than 1048576 bytes (1 MiB)"),
                atTheDoor(tls(p(missing), p(notPem), p(large))));
        assertEquals(List.of("routes[0].target.tls.ca: holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
                atTheDoor(tls(null, null, p(notPem))));
        assertEquals(List.of("routes[0].target.tls.certificate: holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
                atTheDoor(tls(p(client.key()), p(client.key()), null)), "a key where the certificate goes");
    }

    @Test
    void startupProblemsAreNamedByProperty() throws Exception {
        SluiceConfig config = ConfigJson.read(doc(tls(p(client.certificate()), p(other.key()), null)));

        assertEquals("sluice.routes.orders.target.tls.key", secrets.check(config, PathStyle.PROPERTIES).get(0).field());
    }

    @Test
    void filesAreReadAgainAfterTheIntervalAndTheLastGoodOnesKept() throws Exception {
        Path certificate = dir.resolve("rotated.crt.pem");
        Path key = dir.resolve("rotated.key.pem");
        Files.copy(client.certificate(), certificate);
        Files.copy(client.key(), key);
        TargetTls tls = new TargetTls(p(certificate), p(key), null);
        assertEquals(List.of(), atTheDoor(tls(p(certificate), p(key), null)));
        TlsMaterial first = secrets.tls().material(tls).await().indefinitely();

        Files.copy(other.certificate(), certificate, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(other.key(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertSame(first, secrets.tls().material(tls).await().indefinitely(), "within the interval: not read");
        assertTrue(queued.isEmpty());
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertSame(first, secrets.tls().material(tls).await().indefinitely(), "the attempt goes with what is known");
        queued.remove().run();
        TlsMaterial second = secrets.tls().material(tls).await().indefinitely();
        assertArrayEqualsText(Files.readAllBytes(other.certificate()), second.certificate());

        Files.delete(key);
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        secrets.tls().material(tls).await().indefinitely();
        queued.remove().run();
        assertSame(second, secrets.tls().material(tls).await().indefinitely(), "an unreadable file keeps the last good ones");
    }

    @Test
    void filesUnknownToThisReplicaAreReadOnAWorkerAndAFailureNamesTheField() {
        TargetTls tls = new TargetTls(p(client.certificate()), p(other.key()), null);
        var failed = secrets.tls().material(tls).subscribe().withSubscriber(
                io.smallrye.mutiny.helpers.test.UniAssertSubscriber.create());
        queued.remove().run();

        Throwable t = failed.getFailure();
        assertNotNull(t);
        assertTrue(t instanceof TlsFiles.UnavailableException, t.toString());
        assertEquals("target.tls.key: does not match target.tls.certificate (" + other.key() + ")", t.getMessage());
    }

    private static void assertArrayEqualsText(byte[] expected, byte[] actual) {
        assertEquals(new String(expected), new String(actual));
    }
}
