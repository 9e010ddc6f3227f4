package dev.sluice.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** Reading the deployment files of the repository (surefire runs with the project as working directory). */
final class DeployFiles {
    static final YAMLMapper YAML = new YAMLMapper();

    private DeployFiles() {
    }

    static Path root() {
        Path root = Path.of("").toAbsolutePath();
        assertTrue(Files.isRegularFile(root.resolve("pom.xml")), "tests must run from the project root, not " + root);
        return root;
    }

    static JsonNode yaml(Path file) throws IOException {
        return YAML.readTree(file.toFile());
    }

    /** Every document of a multi-document YAML file (empty documents skipped). */
    static List<JsonNode> yamlDocuments(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    static Properties properties(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file)) {
            Properties p = new Properties();
            p.load(r);
            return p;
        }
    }

    static Properties properties(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    /** Lines of src/main/docker/Dockerfile.jvm. */
    static List<String> dockerfile() throws IOException {
        return Files.readAllLines(root().resolve("src/main/docker/Dockerfile.jvm"));
    }

    /**
     * Where the seed config goes in the container: config/application.properties under the
     * image's working directory, which Quarkus reads at startup.
     */
    static String seedConfigInContainer() throws IOException {
        String workdir = null;
        String appDir = null;
        for (String line : dockerfile()) {
            if (line.startsWith("WORKDIR ")) {
                workdir = line.substring("WORKDIR ".length()).trim();
            } else if (line.startsWith("ENV JAVA_APP_DIR=")) {
                appDir = line.substring("ENV JAVA_APP_DIR=".length()).trim();
            }
        }
        assertTrue(workdir != null, "Dockerfile.jvm sets WORKDIR");
        // the base image's run-java.sh does `cd $JAVA_APP_DIR` before starting the JVM
        assertTrue(appDir == null || appDir.equals(workdir), "JAVA_APP_DIR " + appDir + " is the WORKDIR " + workdir);
        return workdir + "/config/application.properties";
    }

    /** src/main/resources/application.properties: what the packaged app runs with (prod profile). */
    static String appProperty(String key, String fallback) throws IOException {
        Properties app = properties(root().resolve("src/main/resources/application.properties"));
        return app.getProperty("%prod." + key, app.getProperty(key, fallback));
    }
}
