package dev.sluice.metrics;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.intake.IntakeState;
import dev.sluice.outcome.DeadLetterState;
import dev.sluice.schedule.AdmissionState;
import dev.sluice.schedule.ScheduleState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * Gauges of the pipeline's state: records in flight and their global limit, the config version in
 * force, and per route in-flight requests, limit and lane waiters (following live config changes). Counters and
 * timers are updated where things happen ({@code RouteMeters}); these are only read when
 * Prometheus scrapes, from values that are cheap to read and never block.
 */
@ApplicationScoped
public class PipelineGauges {
    private final MeterRegistry registry;
    private final CurrentConfig config;
    private final AdmissionState admission;
    private final IntakeState intake;
    private final ScheduleState schedule;
    private final DeadLetterState deadLetters;
    private final List<Meter> global = new ArrayList<>();
    private RouteGauges routes;
    private Cancellable following;

    PipelineGauges(MeterRegistry registry, CurrentConfig config, AdmissionState admission, ScheduleState schedule,
            IntakeState intake, DeadLetterState deadLetters) {
        this.deadLetters = deadLetters;
        this.intake = intake;
        this.registry = registry;
        this.config = config;
        this.admission = admission;
        this.schedule = schedule;
    }

    synchronized void start(@Observes StartupEvent event) {
        // strong references: Micrometer holds gauge state weakly by default
        global.add(Gauge.builder("sluice.records.in.flight", admission, AdmissionState::inFlight).strongReference(true)
                .description("Records taken from Kafka and not yet acked or nacked").register(registry));
        global.add(Gauge.builder("sluice.records.in.flight.limit", admission, AdmissionState::maxInFlight).strongReference(true)
                .description("Most records in flight at once, across all routes").register(registry));
        global.add(Gauge.builder("sluice.records.parked", admission, AdmissionState::parked).strongReference(true)
                .description("Records parked behind ordering lanes or waiting for a route permit (they gave their in-flight permit back)").register(registry));
        global.add(Gauge.builder("sluice.requests.in.flight", schedule, ScheduleState::requestsOnWire).strongReference(true)
                .description("Requests on the wire across all routes (at most the global max-in-flight)").register(registry));
        global.add(Gauge.builder("sluice.partitions.paused.for.lanes", intake, IntakeState::partitionsHeldBack).strongReference(true)
                .description("Partitions paused because too many of their records wait behind lanes or for route permits").register(registry));
        global.add(Gauge.builder("sluice.config.version", config, c -> c.versioned().version()).strongReference(true)
                .description("Version of the config in force (0: startup properties)").register(registry));
        routes = new RouteGauges(registry, schedule::route, deadLetters);
        following = config.changes().subscribe()
                .with(v -> routes.follow(v.value().routes().stream().map(Route::name).toList()));
    }

    /**
     * Takes the gauges out of the registry. The registry can outlive this application: Quarkus
     * registers into Micrometer's global registry, which a dev-mode live reload (or the next
     * {@code @QuarkusTest} application in the same JVM) keeps; registering the same gauge again
     * would hand back the old one, still reading the beans of the stopped application.
     */
    @PreDestroy
    synchronized void stop() {
        if (following != null) {
            following.cancel();
            routes.follow(List.of());
        }
        global.forEach(registry::remove);
        global.clear();
    }
}
