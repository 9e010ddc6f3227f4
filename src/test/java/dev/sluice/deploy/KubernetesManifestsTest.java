package dev.sluice.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.lifecycle.PipelineHealth;
import io.fabric8.kubernetes.schema.validator.ValidationMessage;
import io.fabric8.kubernetes.schema.validator.ValidationReport;
import io.fabric8.kubernetes.schema.validator.Validator;

/**
 * The manifests under k8s/ checked against the Kubernetes OpenAPI schema (fabric8
 * kubernetes-model-validator, offline) and against the application they deploy: probe paths are
 * its health endpoints, the port is its HTTP port, the grace period covers its drain, every
 * SLUICE_* variable is one of its settings.
 */
class KubernetesManifestsTest {
    /** Kinds the bundled Kubernetes OpenAPI schema knows; KEDA's ScaledObject is a CRD it does not. */
    private static final Set<String> CORE_KINDS = Set.of("Deployment", "Service", "ConfigMap", "Secret",
            "PodDisruptionBudget", "HorizontalPodAutoscaler");

    private static Path k8s;
    /** file name -> its documents */
    private static final Map<String, List<JsonNode>> FILES = new LinkedHashMap<>();
    private static JsonNode deployment;
    private static JsonNode container;
    private static Properties seedConfig;

    @BeforeAll
    static void load() throws IOException {
        k8s = DeployFiles.root().resolve("k8s");
        try (Stream<Path> files = Files.list(k8s)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                FILES.put(f.getFileName().toString(), DeployFiles.yamlDocuments(f));
            }
        }
        deployment = only("Deployment");
        JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), "one container");
        container = containers.get(0);
        seedConfig = DeployFiles.properties(mountedConfigFile());
    }

    @Test
    void manifestsAreValidKubernetesObjects() {
        Validator validator = Validator.newInstance();
        List<String> problems = new ArrayList<>();
        int validated = 0;
        for (var file : FILES.entrySet()) {
            for (JsonNode doc : file.getValue()) {
                if (CORE_KINDS.contains(doc.path("kind").asText())) {
                    validated++;
                    errors(validator.validate(doc)).forEach(m -> problems.add(file.getKey() + ": " + m));
                }
            }
        }
        assertTrue(problems.isEmpty(), "invalid manifests:\n" + String.join("\n", problems));
        assertTrue(validated >= 6, "validated only " + validated + " objects");
    }

    @Test
    void schemaValidationCatchesMistakes() {
        // guards the test above against a validator that accepts anything
        ObjectNode broken = deployment.deepCopy();
        ObjectNode c = (ObjectNode) broken.path("spec").path("template").path("spec").path("containers").get(0);
        c.put("readinesProbe", "typo");
        ((ObjectNode) c.path("ports").get(0)).put("containerPort", "eighty");
        List<String> problems = errors(Validator.newInstance().validate(broken));
        assertTrue(problems.stream().anyMatch(p -> p.contains("readinesProbe")), "unknown field not caught: " + problems);
        assertTrue(problems.stream().anyMatch(p -> p.contains("containerPort") || p.contains("eighty")),
                "wrong type not caught: " + problems);
    }

    @Test
    void kustomizationListsFilesThatExistAndLeavesExamplesOut() throws IOException {
        JsonNode kustomization = DeployFiles.yaml(k8s.resolve("kustomization.yaml"));
        List<String> resources = new ArrayList<>();
        kustomization.path("resources").forEach(r -> resources.add(r.asText()));
        assertFalse(resources.isEmpty(), "kustomization has resources");
        for (String r : resources) {
            assertTrue(Files.isRegularFile(k8s.resolve(r)), "kustomization lists a missing file: " + r);
            assertFalse(r.contains("example"), "examples are not applied: " + r);
        }
        Set<String> kinds = resources.stream().flatMap(r -> FILES.get(r).stream()).map(d -> d.path("kind").asText())
                .collect(Collectors.toSet());
        assertTrue(kinds.containsAll(Set.of("Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "ScaledObject")),
                "kinds applied: " + kinds);
        assertFalse(kinds.contains("Secret"), "no secret in the base: it holds a credential");
        assertTrue(Files.isRegularFile(k8s.resolve("secret.example.yaml")));
        String image = container.path("image").asText();
        assertTrue(java.util.stream.StreamSupport.stream(kustomization.path("images").spliterator(), false)
                .anyMatch(i -> i.path("name").asText().equals(image)), "kustomization sets the image " + image);
    }

    @Test
    void probesAskTheApplicationsHealthEndpoints() throws IOException {
        String root = "/" + DeployFiles.appProperty("quarkus.http.non-application-root-path", "q")
                + "/" + DeployFiles.appProperty("quarkus.smallrye-health.root-path", "health");
        assertProbe("livenessProbe", root + "/" + DeployFiles.appProperty("quarkus.smallrye-health.liveness-path", "live"),
                Liveness.class);
        assertProbe("readinessProbe", root + "/" + DeployFiles.appProperty("quarkus.smallrye-health.readiness-path", "ready"),
                Readiness.class);
        assertProbe("startupProbe", root + "/" + DeployFiles.appProperty("quarkus.smallrye-health.startup-path", "started"),
                Startup.class);
    }

    @Test
    void prometheusAnnotationsPointAtTheMetricsEndpoint() throws IOException {
        JsonNode annotations = deployment.path("spec").path("template").path("metadata").path("annotations");
        String path = "/" + DeployFiles.appProperty("quarkus.http.non-application-root-path", "q")
                + "/" + DeployFiles.appProperty("quarkus.micrometer.export.prometheus.path", "metrics");
        assertEquals("true", annotations.path("prometheus.io/scrape").asText());
        assertEquals(path, annotations.path("prometheus.io/path").asText());
        assertEquals(container.path("ports").get(0).path("containerPort").asText(),
                annotations.path("prometheus.io/port").asText());
    }

    @Test
    void containerPortIsTheApplicationsHttpPort() throws IOException {
        int appPort = Integer.parseInt(DeployFiles.appProperty("quarkus.http.port", "8080"));
        JsonNode port = container.path("ports").get(0);
        assertEquals(appPort, port.path("containerPort").asInt());
        JsonNode service = only("Service");
        JsonNode servicePort = service.path("spec").path("ports").get(0);
        String target = servicePort.path("targetPort").asText();
        assertTrue(target.equals(port.path("name").asText()) || target.equals(String.valueOf(appPort)),
                "service targets the container port: " + target);
        assertEquals(deployment.path("spec").path("selector").path("matchLabels"), service.path("spec").path("selector"),
                "service selects the deployment's pods");
    }

    @Test
    void gracePeriodCoversPreStopSleepAndDrain() {
        long grace = deployment.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong(30);
        long preStop = preStopSleepSeconds();
        Duration drain = drainTimeout();
        assertTrue(preStop >= 1, "a preStop sleep lets endpoints drop the pod before SIGTERM");
        assertTrue(grace > preStop + drain.toSeconds(),
                "terminationGracePeriodSeconds " + grace + " must exceed preStop " + preStop + "s + sluice.drain-timeout "
                        + drain.toSeconds() + "s, or the kubelet kills the drain");
    }

    @Test
    void sluiceEnvironmentVariablesAndSeedKeysAreRealSettings() {
        SettingsKeys keys = SettingsKeys.of();
        List<String> unknown = new ArrayList<>();
        for (JsonNode env : container.path("env")) {
            String name = env.path("name").asText();
            if (name.startsWith("SLUICE_") && !keys.isEnvKey(name)) {
                unknown.add(name);
            }
        }
        seedConfig.stringPropertyNames().stream().filter(k -> k.startsWith("sluice.") && !keys.isKey(k)).forEach(unknown::add);
        assertTrue(unknown.isEmpty(), "not Sluice settings (typo?): " + unknown + "; known: " + keys.keys());
        assertTrue(keys.isEnvKey("SLUICE_ADMIN_TOKEN") && !keys.isEnvKey("SLUICE_ADMIN_TOKN"), "the check itself works");
    }

    @Test
    void adminTokenComesFromASecret() {
        JsonNode token = env("SLUICE_ADMIN_TOKEN");
        assertNotNull(token, "SLUICE_ADMIN_TOKEN is set");
        JsonNode ref = token.path("valueFrom").path("secretKeyRef");
        assertFalse(ref.isMissingNode(), "from a secretKeyRef, not a literal");
        JsonNode example = FILES.get("secret.example.yaml").get(0);
        assertEquals(example.path("metadata").path("name").asText(), ref.path("name").asText());
        assertTrue(example.path("stringData").has(ref.path("key").asText()), "secret.example.yaml has key " + ref.path("key"));
    }

    @Test
    void seedConfigIsTheMountedConfigMapWithARoute() {
        assertTrue(seedConfig.getProperty("kafka.bootstrap.servers", "").contains(":"), "broker address in the seed config");
        assertTrue(seedConfig.stringPropertyNames().stream().anyMatch(k -> k.matches("sluice\\.routes\\.[^.]+\\.topics")),
                "a route is named in a properties source");
    }

    @Test
    void podRunsAsNonRootWithALockedDownContainer() {
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), "pod runAsNonRoot");
        JsonNode sc = container.path("securityContext");
        assertTrue(sc.path("runAsNonRoot").asBoolean(true), "container runAsNonRoot");
        assertEquals(185, sc.path("runAsUser").asInt(pod.path("securityContext").path("runAsUser").asInt()),
                "the UBI image's user 185");
        assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation false");
        assertEquals("ALL", sc.path("capabilities").path("drop").get(0).asText());
        if (sc.path("readOnlyRootFilesystem").asBoolean()) {
            boolean tmp = false;
            for (JsonNode m : container.path("volumeMounts")) {
                tmp |= m.path("mountPath").asText().equals("/tmp");
            }
            assertTrue(tmp, "a read-only root filesystem needs a writable /tmp");
        }
        JsonNode resources = container.path("resources");
        assertTrue(resources.path("requests").has("memory") && resources.path("limits").has("memory"), "memory requests/limits");
    }

    @Test
    void disruptionBudgetAndScalerTargetTheDeployment() {
        JsonNode pdb = only("PodDisruptionBudget");
        assertEquals(deployment.path("spec").path("selector").path("matchLabels"), pdb.path("spec").path("selector").path("matchLabels"));

        JsonNode scaler = only("ScaledObject");
        assertEquals(deployment.path("metadata").path("name").asText(),
                scaler.path("spec").path("scaleTargetRef").path("name").asText());
        JsonNode kafka = scaler.path("spec").path("triggers").get(0);
        assertEquals("kafka", kafka.path("type").asText());
        JsonNode meta = kafka.path("metadata");
        assertEquals(seedConfig.getProperty("sluice.group-id", SettingsKeys.defaultOf("groupId")),
                meta.path("consumerGroup").asText(), "KEDA watches the lag of Sluice's consumer group");
        assertEquals(seedConfig.getProperty("kafka.bootstrap.servers"), meta.path("bootstrapServers").asText());
        Set<String> routeTopics = seedConfig.stringPropertyNames().stream().filter(k -> k.endsWith(".topics"))
                .flatMap(k -> Stream.of(seedConfig.getProperty(k).split(","))).map(String::trim).collect(Collectors.toSet());
        assertTrue(routeTopics.containsAll(List.of(meta.path("topic").asText().split(","))),
                "KEDA topic " + meta.path("topic").asText() + " is a route topic " + routeTopics);
    }

    /**
     * The scaler scales out on lag only while no route is target-bound: a prometheus trigger reads
     * the gauge Sluice exports, a kubernetes-workload trigger counts the pods the Deployment runs,
     * and the formula holds the count (pods x target) while bound, else goes by the lag trigger.
     */
    @Test
    void theScalerHoldsWhileARouteIsTargetBound() {
        JsonNode spec = only("ScaledObject").path("spec");
        Map<String, JsonNode> triggers = new java.util.HashMap<>();
        spec.path("triggers").forEach(t -> triggers.put(t.path("name").asText(), t));
        assertEquals(Set.of("lag", "bound", "pods"), triggers.keySet());
        assertEquals("kafka", triggers.get("lag").path("type").asText());
        JsonNode bound = triggers.get("bound");
        assertEquals("prometheus", bound.path("type").asText());
        assertTrue(bound.path("metadata").path("query").asText().contains("sluice_route_target_bound"),
                "the query reads the gauge Sluice exports: " + bound);
        JsonNode pods = triggers.get("pods");
        assertEquals("kubernetes-workload", pods.path("type").asText());
        deployment.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(label -> assertTrue(
                pods.path("metadata").path("podSelector").asText().contains(label.getKey() + "=" + label.getValue().asText()),
                "the pods counted are the Deployment's: " + pods));
        JsonNode modifiers = spec.path("advanced").path("scalingModifiers");
        String lagThreshold = triggers.get("lag").path("metadata").path("lagThreshold").asText();
        assertEquals(lagThreshold, modifiers.path("target").asText(), "the formula's target is the lag per replica");
        assertEquals("AverageValue", modifiers.path("metricType").asText());
        assertEquals("bound > 0 ? pods * " + lagThreshold + " : lag", modifiers.path("formula").asText());
    }

    private static void assertProbe(String probe, String expectedPath, Class<? extends Annotation> kind) {
        JsonNode get = container.path(probe).path("httpGet");
        assertEquals(expectedPath, get.path("path").asText(), probe + " path");
        String port = get.path("port").asText();
        assertTrue(port.equals(container.path("ports").get(0).path("name").asText())
                || port.equals(container.path("ports").get(0).path("containerPort").asText()), probe + " port " + port);
        // and the application has such a check (smallrye-health answers an empty UP otherwise)
        boolean present = Stream.of(PipelineHealth.class.getDeclaredClasses()).anyMatch(c -> c.isAnnotationPresent(kind));
        assertTrue(present, "PipelineHealth declares a @" + kind.getSimpleName() + " check for " + probe);
    }

    private static long preStopSleepSeconds() {
        JsonNode preStop = container.path("lifecycle").path("preStop");
        if (preStop.has("sleep")) {
            return preStop.path("sleep").path("seconds").asLong();
        }
        JsonNode command = preStop.path("exec").path("command");
        String joined = command.toString();
        var m = java.util.regex.Pattern.compile("sleep\\W+(\\d+)").matcher(joined);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The drain timeout the pod runs with: env, then the seed config, then SluiceSettings' default. */
    private static Duration drainTimeout() {
        JsonNode env = env("SLUICE_DRAIN_TIMEOUT");
        if (env != null) {
            return SettingsKeys.duration(env.path("value").asText());
        }
        return SettingsKeys.duration(seedConfig.getProperty("sluice.drain-timeout", SettingsKeys.defaultOf("drainTimeout")));
    }

    private static Path mountedConfigFile() throws IOException {
        Path file = Path.of(DeployFiles.seedConfigInContainer());
        for (JsonNode mount : container.path("volumeMounts")) {
            if (file.getParent().equals(Path.of(mount.path("mountPath").asText()))) {
                for (JsonNode volume : deployment.path("spec").path("template").path("spec").path("volumes")) {
                    if (volume.path("name").equals(mount.path("name"))) {
                        String configMap = volume.path("configMap").path("name").asText();
                        JsonNode cm = only("ConfigMap");
                        assertEquals(cm.path("metadata").path("name").asText(), configMap, "mounted ConfigMap");
                        JsonNode data = cm.path("data").path(file.getFileName().toString());
                        assertTrue(data.isTextual(), "ConfigMap has " + file.getFileName());
                        Path tmp = writeTemp(data.asText());
                        return tmp;
                    }
                }
            }
        }
        throw new AssertionError(file + " is not mounted from a ConfigMap");
    }

    private static Path writeTemp(String text) {
        try {
            Path tmp = Files.createTempFile("sluice-seed", ".properties");
            tmp.toFile().deleteOnExit();
            return Files.writeString(tmp, text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode env(String name) {
        for (JsonNode env : container.path("env")) {
            if (env.path("name").asText().equals(name)) {
                return env;
            }
        }
        return null;
    }

    private static JsonNode only(String kind) {
        List<JsonNode> found = FILES.entrySet().stream().filter(e -> !e.getKey().contains("example"))
                .flatMap(e -> e.getValue().stream()).filter(d -> d.path("kind").asText().equals(kind)).toList();
        assertEquals(1, found.size(), "exactly one " + kind + " in k8s/ (examples aside)");
        return found.get(0);
    }

    private static List<String> errors(ValidationReport report) {
        return report.getMessages().stream().filter(m -> m.getLevel() == ValidationMessage.Level.ERROR)
                // The OpenAPI document types IntOrString as a string (format int-or-string) while the
                // API server takes both; an integer there (maxUnavailable: 1) is right: a string "1"
                // would be refused, only percentages may be strings.
                .filter(m -> !(m.getSchema().endsWith("intstr.IntOrString") && m.getMessage().contains("(integer)")))
                .map(m -> m.getSchema() + ": " + m.getMessage()).toList();
    }
}
