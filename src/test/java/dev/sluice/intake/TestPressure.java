package dev.sluice.intake;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.function.Function;

import dev.sluice.config.TestConfig;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.mutiny.Uni;

/** A {@link PartitionPressure} outside CDI: settings from properties, a consumer whose polling-thread tasks a test decides. */
final class TestPressure {
    private TestPressure() {
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
        return new PartitionPressure(clients, TestConfig.settings(Map.of("sluice.max-waiting-per-partition",
                String.valueOf(maxWaitingPerPartition))), 100);
    }
}
