package dev.sluice.lifecycle;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import dev.sluice.outcome.DeadLetterState;

/**
 * Routes that cannot write their dead letters, with the reason, in the data of both liveness and
 * readiness. Always UP: a restart cannot create a topic, and a replica taken out of the Service
 * would take with it the admin API that can point the route at another topic, and the other
 * routes, which still deliver. The degradation is for people and alerts
 * ({@code sluice_route_degraded}), not for the kubelet.
 */
@Liveness
@Readiness
@ApplicationScoped
public class DeadLetterHealth implements HealthCheck {
    private final DeadLetterState state;

    DeadLetterHealth(DeadLetterState state) {
        this.state = state;
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, DeadLetterState.Degradation> degraded = state.degraded();
        var builder = HealthCheckResponse.named("sluice-dead-letters").up()
                .withData("degradedRoutes", String.join(",", degraded.keySet()));
        degraded.forEach((route, d) -> builder
                .withData("route." + route, d.reason())
                .withData("held." + route, d.held()));
        return builder.build();
    }
}
