package dev.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.SluiceProcess;

/** The embedded broker is a dev and test convenience: the production artifact must not carry it. */
class ProductionArtifactIT {

    @Test
    void packagedAppCarriesNoBrokerJars() throws IOException {
        Path lib = SluiceProcess.appDir().resolve("lib");
        assertTrue(Files.isDirectory(lib), lib + " exists");
        try (Stream<Path> jars = Files.walk(lib)) {
            List<String> broker = jars.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("org.apache.kafka.kafka_2.13") || n.startsWith("org.apache.kafka.kafka-server")
                            || n.startsWith("org.apache.kafka.kafka-metadata") || n.startsWith("org.apache.kafka.kafka-raft")
                            || n.startsWith("org.scala-lang"))
                    .toList();
            assertEquals(List.of(), broker, "broker jars in " + lib);
        }
        try (Stream<Path> jars = Files.walk(lib)) {
            assertTrue(jars.anyMatch(p -> p.getFileName().toString().startsWith("org.apache.kafka.kafka-clients")),
                    "the Kafka client is there");
        }
    }
}
