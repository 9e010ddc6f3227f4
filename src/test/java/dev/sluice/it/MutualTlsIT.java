package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * mTLS through the packaged app and a real broker: an HTTPS sink whose certificate a private CA
 * issued, and that requires a client certificate of that CA. The route given a client certificate
 * and the CA (startup properties) gets every record; the route given the CA only is refused by the
 * sink at the handshake, and each of its records ends in the dead-letter topic with
 * {@code TLS handshake failed: ...} as its reason. A PUT naming a key of another certificate is
 * refused naming the field, and the config in force stays. No key material shows in the admin API.
 */
class MutualTlsIT {
    private static final String ADMIN = "mtls-admin-token";
    private static final int RECORDS = 20;

    private static TestEnvironment env;
    private static SluiceProcess app;
    private static Vertx vertx;
    private static HttpServer sink;
    private static Path dir;
    private static TestCertificates ca;
    private static TestCertificates.Issued client;
    private static TestCertificates.Issued other;
    /** Record value to the subject of the client certificate it came with. */
    private static final Map<String, String> received = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createDirectories(Path.of("target", "mutual-tls-it").toAbsolutePath());
        ca = TestCertificates.ca(dir, "it-ca");
        TestCertificates.Issued server = ca.issue("it-server");
        client = ca.issue("it-client");
        other = ca.issue("it-other");
        env = TestEnvironment.start(Map.of());
        vertx = Vertx.vertx();
        sink = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(server.certificate().toString())
                        .setKeyPath(server.key().toString()))
                .setTrustOptions(new PemTrustOptions().addCertPath(ca.caPem().toString()))
                .setClientAuth(ClientAuth.REQUIRED))
                .requestHandler(req -> req.body().onSuccess(body -> {
                    String subject = "?";
                    try {
                        subject = ((X509Certificate) req.connection().peerCertificates().get(0)).getSubjectX500Principal().getName();
                    } catch (Exception e) {
                        // none: the handshake would have failed
                    }
                    received.put(body.toString(), subject);
                    req.response().setStatusCode(200).end();
                }));
        sink.listen(0, "localhost").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("mtls.in", 2);
            kafka.createTopic("mtls.bare", 1);
            kafka.createTopic("mtls.dead", 1);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", ADMIN);
        route(config, "mutual", "mtls.in");
        config.put("sluice.routes.mutual.target.tls.certificate", client.certificate().toString());
        config.put("sluice.routes.mutual.target.tls.key", client.key().toString());
        config.put("sluice.routes.mutual.target.tls.ca", ca.caPem().toString());
        route(config, "bare", "mtls.bare");
        config.put("sluice.routes.bare.target.tls.ca", ca.caPem().toString());
        app = SluiceProcess.start("mutual-tls", config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
    }

    private static void route(Map<String, String> config, String name, String topic) {
        String r = "sluice.routes." + name + ".";
        config.put(r + "topics", topic);
        config.put(r + "target.url", "https://localhost:" + sink.actualPort() + "/in");
        config.put(r + "retry.max-attempts", "2");
        config.put(r + "retry.initial-backoff", "20ms");
        config.put(r + "dead-letter-topic", "mtls.dead");
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (env != null) {
            env.close();
        }
    }

    @Test
    void theRouteWithTheRightCertificateGetsEveryRecordAndTheOtherDeadLettersEachWithTheTlsReason() throws Exception {
        List<String> ids = IntStream.range(0, RECORDS).mapToObj(i -> "m-" + i).toList();
        List<String> bare = List.of("b-0", "b-1", "b-2");
        List<ConsumerRecord<byte[], byte[]>> dead;
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            for (String id : ids) {
                kafka.send("mtls.in", id, id, Map.of());
            }
            for (String id : bare) {
                kafka.send("mtls.bare", id, id, Map.of());
            }
            dead = kafka.read("mtls.dead", bare.size(), Duration.ofSeconds(60));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> received.keySet().containsAll(ids));

        assertEquals(Set.of("CN=it-client"), ids.stream().map(received::get).collect(Collectors.toSet()));
        assertEquals(Set.copyOf(bare), dead.stream().map(r -> new String(r.value())).collect(Collectors.toSet()));
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            assertEquals("bare", Kafka.header(r, "dead-letter-route"));
            assertTrue(Kafka.header(r, "dead-letter-reason").startsWith("TLS handshake failed: "),
                    Kafka.header(r, "dead-letter-reason"));
            assertEquals("2", Kafka.header(r, "dead-letter-attempts"));
        }
        assertTrue(bare.stream().noneMatch(received::containsKey), "no record of the bare route reached the sink");

        String config = app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body();
        assertTrue(config.contains("\"key\":\"" + client.key() + "\""), "the paths are shown: " + config);
        assertFalse(config.contains("BEGIN") || app.logText().contains("BEGIN PRIVATE KEY"), "never the contents");
    }

    @Test
    void aPutWithAKeyOfAnotherCertificateIsRefusedNamingTheFieldAndTheConfigStays() throws Exception {
        String before = app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body();
        String route = "{\"name\":\"mutual\",\"topics\":[\"mtls.in\"],\"dead-letter-topic\":\"mtls.dead\","
                + "\"target\":{\"url\":\"https://localhost:" + sink.actualPort() + "/in\","
                + "\"tls\":{\"certificate\":\"" + client.certificate() + "\",\"key\":\"" + other.key() + "\","
                + "\"ca\":\"" + ca.caPem() + "\"}}}";

        HttpResponse<String> put = app.put("/admin/config", "{\"routes\":[" + route + "]}", ADMIN);

        assertEquals(400, put.statusCode(), put.body());
        assertTrue(put.body().contains("{\"field\":\"routes[0].target.tls.key\",\"message\":\"does not match "
                + "target.tls.certificate (" + other.key() + ")\"}"), put.body());
        assertEquals(before, app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body());
    }
}
