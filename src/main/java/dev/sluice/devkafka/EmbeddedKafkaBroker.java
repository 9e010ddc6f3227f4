package dev.sluice.devkafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.jboss.logging.Logger;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A real single-node Apache Kafka broker (KRaft, broker and controller in one) running in this
 * JVM on free ports, with its data under a directory that is wiped on each {@code start}.
 * It can be stopped and restarted in place ({@link #stop()}, {@link #restart()}): same ports, same
 * data, so clients see an outage of the broker they know rather than a new cluster.
 * For dev mode and tests only: the broker's jars are "provided" and never reach target/quarkus-app.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedKafkaBroker.class);

    private final Properties props;
    private final String bootstrapServers;
    private final Path dataDir;
    /** The running server; null while stopped. */
    private KafkaRaftServer server;

    private EmbeddedKafkaBroker(Properties props, String bootstrapServers, Path dataDir) {
        this.props = props;
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir;
    }

    /** Formats fresh storage under {@code dataDir} and starts the broker; returns once it listens. */
    public static EmbeddedKafkaBroker start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** As {@link #start(Path)}, with broker properties added or overridden. */
    public static EmbeddedKafkaBroker start(Path dataDir, Map<String, String> overrides) {
        return start(dataDir, freePort(), overrides);
    }

    /** As {@link #start(Path, Map)}, listening for clients on a given port. */
    public static EmbeddedKafkaBroker start(Path dataDir, int brokerPort, Map<String, String> overrides) {
        // Kafka halts the JVM on fatal errors; in a test or dev JVM an exception is the better fate
        Exit.setExitProcedure((code, msg) -> {
            throw new IllegalStateException("embedded Kafka wanted to exit(" + code + "): " + msg);
        });
        Exit.setHaltProcedure((code, msg) -> {
            throw new IllegalStateException("embedded Kafka wanted to halt(" + code + "): " + msg);
        });
        long started = System.nanoTime();
        int controllerPort = freePort();
        Path logDir = dataDir.resolve("data");
        wipe(dataDir);

        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        props.put("listeners", "PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://localhost:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "5");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // without this every new consumer group waits 3 s before its first assignment
        props.put("group.initial.rebalance.delay.ms", "0");
        // the 128 MiB default can exhaust a small heap, and Kafka then halts the JVM
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        props.put("auto.create.topics.enable", "true");
        props.putAll(overrides);

        try {
            Formatter formatter = new Formatter()
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(1)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(logDir.toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION);
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("could not format the embedded Kafka broker's storage", e);
        }
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(props, "localhost:" + brokerPort, dataDir);
        broker.startServer();
        LOG.infof("embedded Kafka broker started on %s in %d ms (data in %s)", broker.bootstrapServers,
                (System.nanoTime() - started) / 1_000_000, dataDir);
        return broker;
    }

    /**
     * Starts the broker again after {@link #stop()}, on the same ports and with the data it had;
     * returns once it listens. Clients that knew it reconnect by themselves.
     */
    public synchronized void restart() {
        if (server != null) {
            throw new IllegalStateException("the embedded Kafka broker on " + bootstrapServers + " is running");
        }
        long started = System.nanoTime();
        startServer();
        LOG.infof("embedded Kafka broker restarted on %s in %d ms", bootstrapServers, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Shuts the broker down cleanly, keeping its data and its ports for {@link #restart()} (nothing
     * holds the ports meanwhile: take no new free port until it is back).
     */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        LOG.infof("embedded Kafka broker on %s stopped", bootstrapServers);
    }

    public synchronized boolean running() {
        return server != null;
    }

    private synchronized void startServer() {
        try {
            // a fresh KafkaConfig each time: the server keeps dynamic state in the one it is given
            KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            s.startup();
            server = s;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the embedded Kafka broker", e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker if it runs. */
    @Override
    public void close() {
        stop();
    }

    /** A port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void wipe(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
