package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The intake's topic list comes from the routes, whichever source and profile they are in: the
 * dev profile's demo route (%dev.sluice.routes.demo.topics) is how `./mvnw quarkus:dev` gets its
 * topic, and a route of the active profile must count while another profile's must not.
 */
class RouteTopicsInterceptorTest {

    private static SmallRyeConfig config(String profile, Map<String, String> props) {
        return new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withInterceptors(new RouteTopicsInterceptor())
                .withProfile(profile)
                .withSources(new PropertiesConfigSource(props, "test", 250))
                .build();
    }

    private static List<String> topics(SmallRyeConfig config) {
        return config.getOptionalValues(RouteTopicsInterceptor.CHANNEL_TOPICS, String.class).orElse(List.of());
    }

    @Test
    void routesOfEveryRouteCountEachTopicOnce() {
        SmallRyeConfig c = config("prod", Map.of(
                "sluice.routes.a.topics", "orders,payments",
                "sluice.routes.b.topics", "orders"));
        assertEquals(List.of("orders", "payments"), topics(c).stream().sorted().toList());
    }

    @Test
    void aRouteOfTheActiveProfileCountsAndOneOfAnotherProfileDoesNot() {
        Map<String, String> props = Map.of(
                "%dev.sluice.routes.demo.topics", "demo.orders",
                "%test.sluice.routes.other.topics", "other");
        assertEquals(List.of("demo.orders"), topics(config("dev", props)));
        assertTrue(topics(config("prod", props)).isEmpty());
    }

    @Test
    void anExplicitTopicListWins() {
        SmallRyeConfig c = config("prod", Map.of(
                "sluice.routes.a.topics", "orders",
                RouteTopicsInterceptor.CHANNEL_TOPICS, "explicit"));
        assertEquals(List.of("explicit"), topics(c));
    }
}
