package dev.sluice.deliver.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.config.Concurrency;
import dev.sluice.config.Credentials;
import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RateLimit;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.config.SecretSource;
import dev.sluice.config.Secrets;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TargetTls;
import dev.sluice.deliver.DeliveryTracing;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.pipeline.Event;
import dev.sluice.testing.TestCertificates;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mutiny.core.Vertx;

/**
 * One attempt against real HTTPS servers whose certificates a test CA issued (keytool): one that
 * requires a client certificate of that CA, one that asks for none. The right certificate is
 * accepted; none, or the JVM's trust for a server of a private CA, gives the retriable
 * {@code TLS handshake failed} outcome; a certificate file replaced on disk is presented from the
 * next connection once the files are read again; a client no route names is closed.
 */
class MutualTlsTargetTest {
    private static final Duration REREAD = Duration.ofMillis(200);

    @TempDir
    static Path dir;
    private static Vertx vertx;
    private static HttpTarget target;
    private static HttpServer mutual;
    private static HttpServer plain;
    private static TestCertificates ca;
    private static TestCertificates.Issued client;
    private static TestCertificates.Issued renewed;
    /** The subject of the client certificate the mutual server saw last. */
    private static final AtomicReference<String> seen = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.ca(dir, "sink-ca");
        TestCertificates.Issued server = ca.issue("server");
        client = ca.issue("client");
        renewed = ca.issue("client-renewed");
        vertx = Vertx.vertx();
        Secrets secrets = new Secrets(SecretSource.system(), task -> Infrastructure.getDefaultWorkerPool().execute(task),
                System::nanoTime, REREAD);
        target = new HttpTarget(vertx, new DeliveryTracing(OpenTelemetry.noop(), true), secrets);
        PemKeyCertOptions serverCert = new PemKeyCertOptions().setCertPath(server.certificate().toString())
                .setKeyPath(server.key().toString());
        mutual = listen(new HttpServerOptions().setSsl(true).setKeyCertOptions(serverCert)
                .setTrustOptions(new PemTrustOptions().addCertPath(ca.caPem().toString())).setClientAuth(ClientAuth.REQUIRED));
        plain = listen(new HttpServerOptions().setSsl(true).setKeyCertOptions(serverCert));
    }

    private static HttpServer listen(HttpServerOptions options) throws Exception {
        return vertx.getDelegate().createHttpServer(options).requestHandler(req -> {
            try {
                if (req.isSSL() && req.connection().peerCertificates() != null && !req.connection().peerCertificates().isEmpty()) {
                    seen.set(((X509Certificate) req.connection().peerCertificates().get(0)).getSubjectX500Principal().getName());
                }
            } catch (Exception e) {
                // no client certificate: the plain server
            }
            // a new connection for every request, so a renewed certificate shows at once
            req.response().putHeader("Connection", "close").setStatusCode(200).end();
        }).listen(0, "localhost").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        target.close();
        vertx.closeAndAwait();
    }

    private static Route route(HttpServer server, TargetTls tls) {
        return route("r", server, tls);
    }

    private static Route route(String name, HttpServer server, TargetTls tls) {
        return new Route(name, List.of("t"), URI.create("https://localhost:" + server.actualPort() + "/in"), 4,
                Duration.ofSeconds(5), new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(100), 0), "r.dlq",
                Expects.ANY, Route.DEFAULT_MAX_VALUE_BYTES, Ordering.NONE, Concurrency.fixed(4), RateLimit.OFF, List.of(),
                new Credentials(Map.of(), List.of(), tls));
    }

    private static AttemptOutcome send(Route route) {
        Event event = new Event("t", 0, 0, 0, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
                new RecordHeaders());
        return target.send(route, event, Span.getInvalid()).await().atMost(Duration.ofSeconds(15));
    }

    private static TargetTls withClient(TestCertificates.Issued issued) {
        return new TargetTls(issued.certificate().toString(), issued.key().toString(), ca.caPem().toString());
    }

    @Test
    void theRightCertificateIsAccepted() {
        AttemptOutcome ok = send(route(mutual, withClient(client)));

        assertEquals(AttemptOutcome.Kind.SUCCESS, ok.kind(), ok.reason());
        assertEquals("CN=client", seen.get());
    }

    @Test
    void noCertificateIsARetriableHandshakeFailure() {
        AttemptOutcome refused = send(route(mutual, new TargetTls(null, null, ca.caPem().toString())));

        assertEquals(AttemptOutcome.Kind.RETRIABLE, refused.kind(), refused.reason());
        assertTrue(refused.reason().startsWith("TLS handshake failed: "), refused.reason());
    }

    @Test
    void aCustomCaIsTrustedAndTheJvmsTrustIsNotEnough() {
        AttemptOutcome trusted = send(route(plain, new TargetTls(null, null, ca.caPem().toString())));
        AttemptOutcome untrusted = send(route(plain, TargetTls.NONE));

        assertEquals(AttemptOutcome.Kind.SUCCESS, trusted.kind(), trusted.reason());
        assertEquals(AttemptOutcome.Kind.RETRIABLE, untrusted.kind(), untrusted.reason());
        assertTrue(untrusted.reason().startsWith("TLS handshake failed: "), untrusted.reason());
    }

    @Test
    void aReplacedCertificateFileIsPresentedOnceReadAgain() throws Exception {
        Path certificate = dir.resolve("live.crt.pem");
        Path key = dir.resolve("live.key.pem");
        Files.copy(client.certificate(), certificate, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(client.key(), key, StandardCopyOption.REPLACE_EXISTING);
        Route route = route(mutual, new TargetTls(certificate.toString(), key.toString(), ca.caPem().toString()));
        assertEquals(AttemptOutcome.Kind.SUCCESS, send(route).kind());
        assertEquals("CN=client", seen.get());

        // the key first, then the certificate: in between the files do not match, and the last good ones stay
        Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.certificate(), certificate, StandardCopyOption.REPLACE_EXISTING);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            AttemptOutcome o = send(route);
            return o.kind() == AttemptOutcome.Kind.SUCCESS && "CN=client-renewed".equals(seen.get());
        });
    }

    @Test
    void aClientNoRouteNamesIsClosed() {
        TargetTls dropped = new TargetTls(null, null, ca.caPem().toString());
        TargetTls kept = withClient(client);
        assertEquals(AttemptOutcome.Kind.SUCCESS, send(route(plain, dropped)).kind());
        assertEquals(AttemptOutcome.Kind.SUCCESS, send(route(mutual, kept)).kind());
        assertTrue(target.tlsClients().holds(dropped) && target.tlsClients().holds(kept));

        target.tlsClients().retain(new SluiceConfig(8, List.of(route(mutual, kept))));

        assertFalse(target.tlsClients().holds(dropped), "no route names it: retired and closed");
        assertTrue(target.tlsClients().holds(kept));
        assertEquals(1, target.tlsClients().size());
        assertEquals(AttemptOutcome.Kind.SUCCESS, send(route(plain, dropped)).kind(),
                "a retry of a route just removed still goes, through a client closed after it");
        assertFalse(target.tlsClients().holds(dropped));
        target.tlsClients().retain(new SluiceConfig(8, List.of(route(mutual, kept), route("r2", plain, dropped))));
        assertEquals(AttemptOutcome.Kind.SUCCESS, send(route(plain, dropped)).kind());
        assertTrue(target.tlsClients().holds(dropped), "named again: a client of its own again");
    }
}
