package dev.sluice.config;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.annotation.Priority;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;

/**
 * Derives the topic list of the intake channel from the routes, so a user names each topic once
 * (in {@code sluice.routes.<name>.topics}). An explicit {@code mp.messaging.incoming.sluice-in.topics} ({@link Channels#INTAKE})
 * still wins.
 *
 * <p>An interceptor rather than a config source: it runs at look-up time and so sees every source,
 * files named by {@code quarkus.config.locations} included (a config-source factory does not),
 * and profile-specific routes such as the dev profile's demo route. It runs before the profile
 * interceptor (higher priority), so its look-ups resolve profiles.
 * The consumer follows the live config after start anyway (TopicSubscription); this only decides
 * what it subscribes to first.
 */
@Priority(Priorities.APPLICATION)
public class RouteTopicsInterceptor implements ConfigSourceInterceptor {
    static final String CHANNEL_TOPICS = Channels.INTAKE_PROPERTIES + "topics";
    /** A route's topics key, perhaps with a profile prefix ({@code %dev.}) and an index. */
    private static final Pattern ROUTE_TOPICS = Pattern.compile("(%[^.]+\\.)?(sluice\\.routes\\.(\"[^\"]+\"|[^.]+)\\.topics(\\[\\d+])?)");

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue explicit = context.proceed(name);
        if (explicit != null || !CHANNEL_TOPICS.equals(name)) {
            return explicit;
        }
        Set<String> topics = new LinkedHashSet<>();
        for (Iterator<String> it = context.iterateNames(); it.hasNext();) {
            String key = it.next();
            var m = ROUTE_TOPICS.matcher(key);
            if (!m.matches()) {
                continue;
            }
            // looked up without the profile prefix: the profile interceptor (after this one)
            // answers with the active profile's value, or nothing for another profile's key
            ConfigValue value = context.proceed(m.group(2));
            if (value != null && value.getValue() != null) {
                for (String t : value.getValue().split(",")) {
                    if (!t.isBlank()) {
                        topics.add(t.trim());
                    }
                }
            }
        }
        if (topics.isEmpty()) {
            return null;
        }
        return ConfigValue.builder().withName(name).withValue(String.join(",", topics))
                .withConfigSourceName("sluice-route-topics").build();
    }
}
