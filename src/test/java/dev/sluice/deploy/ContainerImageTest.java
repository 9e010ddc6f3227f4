package dev.sluice.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** src/main/docker/Dockerfile.jvm cannot be built here (no Docker engine): its essentials are checked. */
class ContainerImageTest {
    private static List<String> dockerfile;

    @BeforeAll
    static void load() throws IOException {
        dockerfile = DeployFiles.dockerfile().stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    void startsFromTheUbiOpenJdk17Runtime() {
        assertTrue(dockerfile.get(0).matches("FROM registry\\.access\\.redhat\\.com/ubi\\d/openjdk-17-runtime(:\\S+)?"),
                dockerfile.get(0));
    }

    @Test
    void copiesTheQuarkusFastJarLayout() {
        for (String part : List.of("lib/", "*.jar", "app/", "quarkus/")) {
            assertTrue(dockerfile.stream().anyMatch(l -> l.startsWith("COPY --chown=185 target/quarkus-app/" + part)),
                    "COPY target/quarkus-app/" + part);
        }
        assertTrue(dockerfile.contains("ENV JAVA_APP_JAR=\"/deployments/quarkus-run.jar\""));
    }

    @Test
    void runsAsUser185OnTheApplicationsPort() throws IOException {
        assertTrue(dockerfile.contains("USER 185"), "non-root user 185");
        assertEquals("EXPOSE " + DeployFiles.appProperty("quarkus.http.port", "8080"),
                dockerfile.stream().filter(l -> l.startsWith("EXPOSE")).findFirst().orElse(""));
    }

    @Test
    void heapFollowsTheContainerMemoryLimit() {
        String opts = dockerfile.stream().filter(l -> l.startsWith("ENV JAVA_OPTS_APPEND=")).findFirst().orElse("");
        assertTrue(opts.contains("-XX:MaxRAMPercentage="), opts);
        assertTrue(opts.contains("-Dquarkus.http.host=0.0.0.0"), "listens outside the container: " + opts);
    }

    @Test
    void dockerignoreKeepsThePackagedApplication() throws IOException {
        List<String> ignore = Files.readAllLines(DeployFiles.root().resolve(".dockerignore"));
        assertTrue(ignore.stream().anyMatch(l -> l.startsWith("!target/quarkus-app")), "target/quarkus-app is in the context");
    }

    /**
     * Quarkus builds the image from the same Dockerfile on request only: a plain ./mvnw package
     * (and CI, which has no Docker) must not try to.
     */
    @Test
    void quarkusBuildsTheSameDockerfileOnlyOnRequest() throws IOException {
        String pom = Files.readString(DeployFiles.root().resolve("pom.xml"));
        assertTrue(pom.contains("<artifactId>quarkus-container-image-docker</artifactId>"), "container-image extension");
        java.util.Properties app = new java.util.Properties();
        try (var in = Files.newInputStream(DeployFiles.root().resolve("src/main/resources/application.properties"))) {
            app.load(in);
        }
        assertEquals("false", app.getProperty("quarkus.container-image.build"), "no image build in a plain package");
        String dockerfile = app.getProperty("quarkus.docker.dockerfile-jvm-path");
        assertEquals("src/main/docker/Dockerfile.jvm", dockerfile);
        assertTrue(Files.exists(DeployFiles.root().resolve(dockerfile)), dockerfile + " exists");
    }
}
