package dev.sluice.devkafka;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Destroyed;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.StartupEvent;

/**
 * Tells the embedded broker's shutdown hook when the application (the Kafka connector
 * included) has fully stopped, so the broker outlives its clients.
 */
@ApplicationScoped
class AppStoppedSignal {

    void started(@Observes StartupEvent event) {
        System.setProperty(EmbeddedKafkaConfigSourceFactory.APP_STOPPED_PROPERTY, "false");
    }

    void stopped(@Observes @Destroyed(ApplicationScoped.class) Object event) {
        System.setProperty(EmbeddedKafkaConfigSourceFactory.APP_STOPPED_PROPERTY, "true");
    }
}
