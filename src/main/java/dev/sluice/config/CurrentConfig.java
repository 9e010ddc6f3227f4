package dev.sluice.config;

import java.util.List;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Multi;

/**
 * The config snapshot the pipeline runs with, as a {@link Watch}: seeded from
 * the startup properties at startup ({@link StartupProperties}; an invalid seed stops the service
 * with every problem listed by property key),
 * replaced as a whole by {@link #publish}, read by the pipeline stages through {@link #changes()}.
 */
@ApplicationScoped
public class CurrentConfig {
    private static final Logger LOG = Logger.getLogger(CurrentConfig.class);

    private final Watch<SluiceConfig> watch;

    CurrentConfig(SluiceSettings settings, Config properties) {
        this(settings, properties, new Secrets());
    }

    /** {@code secrets}: the seed's secrets must be readable, or the service does not start (each named by property). */
    @jakarta.inject.Inject
    CurrentConfig(SluiceSettings settings, Config properties, Secrets secrets) {
        SluiceConfig seed = StartupProperties.read(settings, properties);
        List<ConfigProblem> unsafe = new java.util.ArrayList<>(
                ProgressBound.check(seed, settings.health().stuckAfter(), SluiceConfig.PathStyle.PROPERTIES));
        // blocking (files), once at startup; each a few kilobytes at most
        unsafe.addAll(secrets.check(seed, SluiceConfig.PathStyle.PROPERTIES));
        if (!unsafe.isEmpty()) {
            throw new InvalidConfigException(unsafe);
        }
        // version 0: the seed from properties; versions from the config topic start at 1
        this.watch = new Watch<>(seed, 0);
        log(0, seed);
    }

    /** The snapshot in force; never null. */
    public SluiceConfig get() {
        return watch.current().value();
    }

    public Watch.Versioned<SluiceConfig> versioned() {
        return watch.current();
    }

    /** The current snapshot at once, then each newer one (latest-wins). */
    public Multi<Watch.Versioned<SluiceConfig>> changes() {
        return watch.subscribe();
    }

    /**
     * Puts an already validated snapshot in force with the version it has in the config topic;
     * an older or equal version is ignored (returns null).
     */
    public Watch.Versioned<SluiceConfig> apply(long version, SluiceConfig next) {
        Watch.Versioned<SluiceConfig> v = watch.publishVersion(version, next);
        if (v != null) {
            log(v.version(), next);
        }
        return v;
    }

    private static void log(long version, SluiceConfig config) {
        LOG.infof("config version %d: %d routes, at most %d records in flight", version, config.routes().size(),
                config.maxInFlight());
        config.routes().forEach(r -> LOG.infof("  route %s: %s -> %s (max in flight %d, timeout %s, %d attempts, dead letters to %s)",
                r.name(), r.topics(), r.shownUrl(), r.maxInFlight(), r.timeout(), r.retry().maxAttempts(),
                r.deadLetterTopic()));
        config.routes().stream().filter(r -> !r.credentials().none()).forEach(r -> LOG.infof("  route %s: %s",
                r.name(), r.credentials()));
    }

    @PreDestroy
    void close() {
        watch.close();
    }
}
