package dev.sluice.devkafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Dev Services without containers: in dev mode, when no {@code kafka.bootstrap.servers} is
 * configured, starts a real Kafka broker in this JVM and points the application at it.
 *
 * <p>Live reload re-creates config sources, so the broker is started once per JVM and its address
 * kept in a system property. It is stopped by a JVM shutdown hook that first waits (bounded) for
 * the application to stop, so the consumer can commit and leave its group before the broker goes.
 * Set {@code sluice.dev.embedded-kafka=false} to turn it off.
 */
public class EmbeddedKafkaConfigSourceFactory implements ConfigSourceFactory {
    private static final Logger LOG = Logger.getLogger(EmbeddedKafkaConfigSourceFactory.class);
    static final String BOOTSTRAP_PROPERTY = "dev.sluice.embedded-kafka.bootstrap";
    static final String APP_STOPPED_PROPERTY = "dev.sluice.app-stopped";
    private static final Duration WAIT_FOR_APP_STOP = Duration.ofSeconds(20);

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev")) {
            return Collections.emptyList();
        }
        ConfigValue enabled = context.getValue("sluice.dev.embedded-kafka");
        ConfigValue configured = context.getValue("kafka.bootstrap.servers");
        if ((enabled != null && "false".equalsIgnoreCase(enabled.getValue()))
                || (configured != null && configured.getValue() != null)) {
            return Collections.emptyList();
        }
        return Collections.singletonList(new PropertiesConfigSource(
                Map.of("kafka.bootstrap.servers", bootstrapServers()), "sluice-embedded-kafka", 150));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(150);
    }

    private static synchronized String bootstrapServers() {
        String running = System.getProperty(BOOTSTRAP_PROPERTY);
        if (running != null) {
            return running;
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Path.of("target", "sluice-dev-kafka"));
        System.setProperty(BOOTSTRAP_PROPERTY, broker.bootstrapServers());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAfterApplication(broker), "sluice-dev-kafka-stop"));
        LOG.infof("dev mode: no kafka.bootstrap.servers configured, using the embedded broker on %s",
                broker.bootstrapServers());
        return broker.bootstrapServers();
    }

    private static void stopAfterApplication(EmbeddedKafkaBroker broker) {
        long deadline = System.nanoTime() + WAIT_FOR_APP_STOP.toNanos();
        while (!Boolean.getBoolean(APP_STOPPED_PROPERTY) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        broker.close();
    }
}
