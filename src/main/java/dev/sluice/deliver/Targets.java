package dev.sluice.deliver;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.sluice.config.Route;
import io.quarkus.arc.All;

/**
 * The targets Sluice has (every {@link Target} bean) and which one serves a route. Config
 * validation admits only routes some target serves, so a route without one is a bug, not input.
 */
@ApplicationScoped
public class Targets {
    private final List<Target> targets;

    Targets(@All List<Target> targets) {
        this.targets = List.copyOf(targets);
    }

    /** The target of {@code route}: the first that serves it. */
    public Target of(Route route) {
        for (Target t : targets) {
            if (t.serves(route)) {
                return t;
            }
        }
        throw new IllegalStateException("no target serves route " + route.name() + " (" + route.shownUrl() + ")");
    }
}
