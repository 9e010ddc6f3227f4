package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.SluiceConfig.PathStyle;

/**
 * Secrets read at the door (every problem named by the field of its reference, never the value),
 * kept in memory, read again after the interval, with an environment and a clock the test plays.
 */
class SecretsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** 32 bytes, base64. */
    private static final String WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=";

    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();
    private final AtomicLong now = new AtomicLong();
    private final List<Runnable> queued = new ArrayList<>();
    /** Workers that run only when the test says: a read in the background is visible as a queued task. */
    private final Secrets secrets = new Secrets(new SecretSource(env::get), queued::add, now::get, Duration.ofSeconds(30));

    private SluiceConfig config(String target) throws Exception {
        return ConfigJson.read(MAPPER.readTree("{\"routes\":[{\"name\":\"orders\",\"topics\":[\"orders\"],"
                + "\"target\":{\"url\":\"http://localhost:1/x\"" + target + "}}]}"));
    }

    private List<String> problems(String target) throws Exception {
        return SecretCheck.problems(config(target), PathStyle.JSON, new SecretSource(env::get), new HashMap<>()).stream()
                .map(ConfigProblem::toString).toList();
    }

    private void runQueued() {
        List<Runnable> tasks = new ArrayList<>(queued);
        queued.clear();
        tasks.forEach(Runnable::run);
    }

    @Test
    void aMissingVariableOrUnreadableFileIsNamedByItsField() throws Exception {
        Files.createDirectory(dir.resolve("a-directory"));
        String target = ",\"headers\":{\"Authorization\":{\"env\":\"TARGET_TOKEN\",\"prefix\":\"Bearer \"},"
                + "\"X-Api-Key\":{\"file\":\"" + dir.resolve("missing") + "\"},"
                + "\"X-Other\":{\"file\":\"" + dir.resolve("a-directory") + "\"}},"
                + "\"signing-secrets\":[{\"env\":\"EMPTY\"}]";
        env.put("EMPTY", "  \n");

        assertEquals(List.of("routes[0].target.headers.Authorization.env: environment variable TARGET_TOKEN is not set",
                "routes[0].target.headers.X-Api-Key.file: file " + dir.resolve("missing") + " does not exist",
                "routes[0].target.headers.X-Other.file: file " + dir.resolve("a-directory") + " is a directory",
                "routes[0].target.signing-secrets[0].env: environment variable EMPTY is empty"), problems(target));
    }

    @Test
    void valuesThatCannotBeSentAreRefusedWithoutQuotingThem() throws Exception {
        Path big = Files.write(dir.resolve("big"), new byte[SecretSource.MAX_BYTES + 1]);
        env.put("SPLIT", "abc\r\nX-Injected: 1");
        env.put("NOT_WHSEC", "whsec_not*base64");
        env.put("SHORT", "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[16]));
        String target = ",\"headers\":{\"X-Split\":{\"env\":\"SPLIT\"},\"X-Big\":{\"file\":\"" + big + "\"}},"
                + "\"signing-secrets\":[{\"env\":\"NOT_WHSEC\"},{\"env\":\"SHORT\"}]";

        List<String> problems = problems(target);

        assertEquals(List.of("routes[0].target.headers.X-Split.env: env:SPLIT: holds characters not allowed in an HTTP header value",
                "routes[0].target.headers.X-Big.file: file " + big + " is longer than 8192 bytes",
                "routes[0].target.signing-secrets[0].env: env:NOT_WHSEC: not a Standard Webhooks secret (whsec_ followed by base64)",
                "routes[0].target.signing-secrets[1].env: env:SHORT: a Standard Webhooks secret holds 24 to 64 bytes, this one 16"),
                problems);
        assertTrue(problems.stream().noneMatch(p -> p.contains("abc") || p.contains("not*base64")), problems.toString());
    }

    @Test
    void startupProblemsAreNamedByProperty() throws Exception {
        assertEquals(List.of("sluice.routes.orders.target.signing-secrets[0].env: environment variable WEBHOOK_SECRET is not set"),
                secrets.check(config(",\"signing-secrets\":[{\"env\":\"WEBHOOK_SECRET\"}]"), PathStyle.PROPERTIES).stream()
                        .map(ConfigProblem::toString).toList());
    }

    @Test
    void aFileIsTrimmedKeptAndReadAgainAfterTheInterval() throws Exception {
        Path key = Files.writeString(dir.resolve("key"), "first\n");
        SecretRef ref = SecretRef.file(key.toString());
        SluiceConfig config = config(",\"headers\":{\"X-Api-Key\":{\"file\":\"" + key + "\"}}");
        assertEquals(List.of(), secrets.check(config, PathStyle.JSON));

        Files.writeString(key, "second\n", StandardCharsets.UTF_8);
        assertEquals("first", secrets.values(List.of(ref)).await().indefinitely().get(ref), "kept: no read before the interval");
        assertEquals(List.of(), queued);

        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertEquals("first", secrets.values(List.of(ref)).await().indefinitely().get(ref), "sent with the value known");
        assertEquals(1, queued.size(), "read again in the background");
        assertEquals("first", secrets.values(List.of(ref)).await().indefinitely().get(ref));
        assertEquals(1, queued.size(), "one read per secret at a time");
        runQueued();
        assertEquals("second", secrets.values(List.of(ref)).await().indefinitely().get(ref));
    }

    @Test
    void aFileThatCannotBeReadAnyMoreKeepsItsLastValue() throws Exception {
        Path key = Files.writeString(dir.resolve("key"), "first");
        SecretRef ref = SecretRef.file(key.toString());
        assertEquals(List.of(), secrets.check(config(",\"headers\":{\"X-Api-Key\":{\"file\":\"" + key + "\"}}"), PathStyle.JSON));
        Files.delete(key);

        now.addAndGet(Duration.ofSeconds(31).toNanos());
        secrets.values(List.of(ref)).await().indefinitely();
        runQueued();

        assertEquals("first", secrets.values(List.of(ref)).await().indefinitely().get(ref));
    }

    @Test
    void anUnknownSecretIsReadOnAWorkerAndAFailureNamesTheReference() throws Exception {
        SecretRef token = SecretRef.env("TOKEN");
        env.put("TOKEN", "t0k3n");
        var pending = secrets.values(List.of(token)).subscribeAsCompletionStage();
        assertEquals(1, queued.size(), "not read on the caller's thread");
        runQueued();
        assertEquals("t0k3n", pending.get().get(token));

        SecretRef unset = SecretRef.env("UNSET");
        var failed = secrets.values(List.of(token, unset)).subscribeAsCompletionStage();
        runQueued();
        Throwable t = assertThrows(java.util.concurrent.ExecutionException.class, failed::get).getCause();
        assertInstanceOf(SecretSource.UnavailableException.class, t);
        assertEquals("environment variable UNSET is not set", t.getMessage());

        // known to fail: refused at once for a while, not read again on every attempt
        var again = secrets.values(List.of(unset)).subscribeAsCompletionStage();
        assertEquals(List.of(), queued);
        assertTrue(again.toCompletableFuture().isCompletedExceptionally());
    }
}
