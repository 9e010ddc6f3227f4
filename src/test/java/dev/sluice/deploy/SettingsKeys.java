package dev.sluice.deploy;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.sluice.config.SluiceSettings;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * The keys {@link SluiceSettings} declares, read by reflection the way SmallRye Config maps them
 * (method names in kebab case, {@code @WithName}, a map key as one free segment), so deployment
 * files can be checked against the real configuration instead of a copy of it.
 */
final class SettingsKeys {
    /** Key patterns like {@code sluice.routes.*.target.url}; {@code *} is a map key. */
    private final List<String> keys = new ArrayList<>();

    private SettingsKeys() {
    }

    static SettingsKeys of() {
        SettingsKeys k = new SettingsKeys();
        k.collect("sluice", SluiceSettings.class);
        return k;
    }

    List<String> keys() {
        return List.copyOf(keys);
    }

    /** True when a property name (e.g. {@code sluice.routes.orders.timeout}) is a declared key. */
    boolean isKey(String property) {
        return keys.stream().anyMatch(k -> propertyPattern(k).matcher(property).matches());
    }

    /**
     * True when an environment variable maps to a declared key under the MicroProfile Config rule
     * (every non-alphanumeric character becomes '_', upper case).
     */
    boolean isEnvKey(String env) {
        return keys.stream().anyMatch(k -> envPattern(k).matcher(env).matches());
    }

    /** The {@code @WithDefault} of a top-level key method of {@link SluiceSettings}. */
    static String defaultOf(String method) {
        try {
            WithDefault d = SluiceSettings.class.getMethod(method).getAnnotation(WithDefault.class);
            if (d == null) {
                throw new AssertionError("SluiceSettings." + method + "() has no @WithDefault");
            }
            return d.value();
        } catch (NoSuchMethodException e) {
            throw new AssertionError("SluiceSettings has no " + method + "()", e);
        }
    }

    /** Parses a duration the way SmallRye Config does for our defaults ("20s", "500ms", "PT20S"). */
    static Duration duration(String value) {
        String v = value.trim();
        if (v.toUpperCase(Locale.ROOT).startsWith("P")) {
            return Duration.parse(v);
        }
        if (v.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        return Duration.parse("PT" + v.toUpperCase(Locale.ROOT));
    }

    private void collect(String prefix, Class<?> type) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0 || m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            WithName named = m.getAnnotation(WithName.class);
            String key = prefix + "." + (named != null ? named.value() : kebab(m.getName()));
            Type returned = m.getGenericReturnType();
            Class<?> raw = m.getReturnType();
            if (raw == java.util.Map.class) {
                collectValue(key + ".*", ((ParameterizedType) returned).getActualTypeArguments()[1]);
            } else if (raw == Optional.class || raw == List.class) {
                collectValue(key, ((ParameterizedType) returned).getActualTypeArguments()[0]);
            } else {
                collectValue(key, returned);
            }
        }
    }

    private void collectValue(String key, Type type) {
        if (type instanceof Class<?> c && c.isInterface() && c.getName().startsWith("dev.sluice.")) {
            collect(key, c);
        } else {
            keys.add(key);
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static Pattern propertyPattern(String key) {
        return Pattern.compile(Pattern.quote(key).replace("*", "\\E(?:[^.]+|\"[^\"]+\")\\Q"));
    }

    private static Pattern envPattern(String key) {
        String env = key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9*]", "_");
        return Pattern.compile(Pattern.quote(env).replace("*", "\\E[A-Z0-9_]+\\Q"));
    }
}
