package dev.sluice.intake;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import dev.sluice.config.SluiceSettings;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.mutiny.Uni;

/** A {@link PartitionPressure} outside CDI: settings from properties, a consumer whose polling-thread tasks a test decides. */
final class TestPressure {
    private TestPressure() {
    }

    static SluiceSettings settings(Map<String, String> props) {
        return new SmallRyeConfigBuilder().withMapping(SluiceSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 100)).build()
                .getConfigMapping(SluiceSettings.class);
    }

    /** {@code pollingThread} answers each runOnPollingThread call; null: there is no consumer yet. */
    @SuppressWarnings("unchecked")
    static PartitionPressure create(int maxWaitingPerPartition, Function<Object, Uni<?>> pollingThread) {
        KafkaConsumer<Object, Object> consumer = pollingThread == null ? null
                : (KafkaConsumer<Object, Object>) Proxy.newProxyInstance(TestPressure.class.getClassLoader(),
                        new Class<?>[] { KafkaConsumer.class }, (proxy, method, args) -> {
                            if (method.getName().equals("runOnPollingThread")) {
                                return pollingThread.apply(args[0]);
                            }
                            throw new UnsupportedOperationException(method.getName());
                        });
        KafkaClientService clients = (KafkaClientService) Proxy.newProxyInstance(TestPressure.class.getClassLoader(),
                new Class<?>[] { KafkaClientService.class }, (proxy, method, args) -> {
                    if (method.getName().equals("getConsumer")) {
                        return consumer;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new PartitionPressure(clients, settings(Map.of("sluice.max-waiting-per-partition",
                String.valueOf(maxWaitingPerPartition))), 100);
    }
}
