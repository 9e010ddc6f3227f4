package dev.sluice.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Startup settings and a {@link CurrentConfig} outside CDI, for tests of other packages (the
 * constructors are package-private: beans are built by CDI). The startup properties carry a
 * placeholder seed route, as a seed needs one; the snapshot a test gives is put in force over it.
 */
public final class TestConfig {
    private static final Map<String, String> SEED = Map.of(
            "sluice.routes.seed.topics", "seed",
            "sluice.routes.seed.target.url", "http://localhost:1/seed");

    private TestConfig() {
    }

    /** The startup settings of {@code props} ("10ms" read as Quarkus reads durations). */
    public static SluiceSettings settings(Map<String, String> props) {
        return config(props).getConfigMapping(SluiceSettings.class);
    }

    /** A config in force: {@code snapshot} (version 1), over a seed read from {@code props}. */
    public static CurrentConfig current(SluiceConfig snapshot, Map<String, String> props) {
        SmallRyeConfig config = config(props);
        CurrentConfig current = new CurrentConfig(config.getConfigMapping(SluiceSettings.class), config);
        current.apply(1, snapshot);
        return current;
    }

    private static SmallRyeConfig config(Map<String, String> props) {
        Map<String, String> all = new HashMap<>(SEED);
        all.putAll(props);
        return new SmallRyeConfigBuilder().withMapping(SluiceSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(all, "test", 100)).build();
    }
}
