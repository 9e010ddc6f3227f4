package dev.sluice.config;

import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Holds the config snapshot the pipeline runs with. Seeded from {@link SluiceSettings} at startup
 * (an invalid seed stops the service with every problem listed); {@link #replace} swaps in a whole
 * new validated snapshot, so that readers never see half of a change.
 */
@ApplicationScoped
public class CurrentConfig {
    private static final Logger LOG = Logger.getLogger(CurrentConfig.class);

    private final AtomicReference<SluiceConfig> current = new AtomicReference<>();

    CurrentConfig(SluiceSettings settings) {
        SluiceConfig seed = SluiceConfig.fromSettings(settings);
        current.set(seed);
        seed.routes().forEach(r -> LOG.infof("route %s: %s -> %s (max in flight %d, timeout %s, %d attempts, dead letters to %s)",
                r.name(), r.topics(), r.targetUrl(), r.maxInFlight(), r.timeout(), r.retry().maxAttempts(),
                r.deadLetterTopic()));
    }

    /** The snapshot in force; never null. */
    public SluiceConfig get() {
        return current.get();
    }

    /** Replaces the snapshot in force with an already validated one. */
    public void replace(SluiceConfig next) {
        current.set(next);
    }
}
