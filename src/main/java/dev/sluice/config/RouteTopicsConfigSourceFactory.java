package dev.sluice.config;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Derives the topic list of the intake channel from the routes, so a user names each topic once
 * (in {@code sluice.routes.<name>.topics}). An explicit
 * {@code mp.messaging.incoming.sluice-in.topics} still wins: this source has a low ordinal.
 */
public class RouteTopicsConfigSourceFactory implements ConfigSourceFactory {
    static final String CHANNEL_TOPICS = "mp.messaging.incoming.sluice-in.topics";
    private static final Pattern ROUTE_TOPICS = Pattern.compile("sluice\\.routes\\.(\"[^\"]+\"|[^.]+)\\.topics(\\[\\d+])?");

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        Set<String> topics = new LinkedHashSet<>();
        for (var it = context.iterateNames(); it.hasNext();) {
            String name = it.next();
            Matcher m = ROUTE_TOPICS.matcher(name);
            if (!m.matches()) {
                continue;
            }
            ConfigValue value = context.getValue(name);
            if (value != null && value.getValue() != null) {
                for (String t : value.getValue().split(",")) {
                    if (!t.isBlank()) {
                        topics.add(t.trim());
                    }
                }
            }
        }
        if (topics.isEmpty()) {
            return Collections.emptyList();
        }
        return Collections.singletonList(new PropertiesConfigSource(
                Map.of(CHANNEL_TOPICS, String.join(",", topics)), "sluice-route-topics", 50));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(50);
    }
}
