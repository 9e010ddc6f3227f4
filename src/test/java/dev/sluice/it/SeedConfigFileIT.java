package dev.sluice.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestSink;

/**
 * The seed configs of docker-compose.yml and k8s/configmap.yaml work the way those files mount
 * them: as config/application.properties in the packaged app's working directory (/deployments in
 * the image). The route, and so the topic the intake subscribes to, comes from the file; only the
 * broker and the target URL are pointed at this test's own (-D wins over the file).
 */
class SeedConfigFileIT {

    @Test
    void composeSeedConfigRoutesEventsToTheTarget() throws Exception {
        deliversWith("compose", Files.readString(Path.of("deploy/compose/sluice.properties")));
    }

    @Test
    void kubernetesConfigMapRoutesEventsToTheTarget() throws Exception {
        JsonNode configMap = new YAMLMapper().readTree(Path.of("k8s/configmap.yaml").toFile());
        deliversWith("k8s", configMap.path("data").path("application.properties").asText());
    }

    /**
     * A file named by quarkus.config.locations counts the same: its routes decide the intake's
     * topics. (Such a file wins over -D flags, so the target URL is written into it.)
     */
    @Test
    void routesInAFileNamedByConfigLocations() throws Exception {
        Path file = Path.of("target", "seed-config-locations-" + UUID.randomUUID() + ".properties").toAbsolutePath();
        try {
            deliversWith("locations", null, sinkUrl -> {
                try {
                    Files.writeString(file, "sluice.routes.orders.topics=orders\nsluice.routes.orders.target.url=" + sinkUrl + "\n");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return Map.of("quarkus.config.locations", file.toString());
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void deliversWith(String name, String seedConfig) throws Exception {
        deliversWith(name, seedConfig, sinkUrl -> Map.of("sluice.routes.orders.target.url", sinkUrl));
    }

    private static void deliversWith(String name, String seedConfig,
            java.util.function.Function<String, Map<String, String>> extra) throws Exception {
        Path workdir = Path.of("target", "seed-config-" + name + "-" + UUID.randomUUID());
        Files.createDirectories(workdir.resolve("config"));
        if (seedConfig != null) {
            Files.writeString(workdir.resolve("config/application.properties"), seedConfig);
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
                Path.of("target", "test-kafka-" + UUID.randomUUID()), EmbeddedKafkaBroker.freePort(), Map.of());
                Kafka kafka = new Kafka(broker.bootstrapServers());
                TestSink sink = new TestSink().on("/orders", (id, attempt) -> TestSink.Reply.ok())) {
            kafka.createTopic("orders", 2);
            Map<String, String> overrides = new java.util.HashMap<>(extra.apply(sink.url("/orders")));
            overrides.put("kafka.bootstrap.servers", broker.bootstrapServers());
            try (SluiceProcess app = SluiceProcess.start("seed-config-" + name, overrides, List.of("-Xmx256m"), workdir)) {
                app.awaitReady(Duration.ofSeconds(60));
                kafka.send("orders", "customer-1", name + "-order-1", Map.of());
                await().atMost(Duration.ofSeconds(30)).until(() -> sink.stats("/orders").accepted().contains(name + "-order-1"));
                app.terminate(Duration.ofSeconds(30));
            }
        } finally {
            deleteQuietly(workdir);
        }
    }

    private static void deleteQuietly(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
