package dev.sluice.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.sluice.config.Channels;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.deliver.DeliveryStats;
import dev.sluice.deliver.RouteMeters;
import dev.sluice.intake.IntakeState;
import dev.sluice.lifecycle.Drain;
import dev.sluice.metrics.TargetBoundGauges;
import dev.sluice.outcome.DeadLetterState;
import dev.sluice.pipeline.PartitionShare;
import dev.sluice.redrive.RouteHolds;
import dev.sluice.schedule.AdmissionState;
import dev.sluice.schedule.ScheduleState;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;

/**
 * GET /admin/status: per route in flight, limit (the adaptive limit's current value when adaptive),
 * concurrency mode, rate limit and outcome counts; the config version each stage runs with.
 */
@Path("/admin/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {
    private final CurrentConfig config;
    private final IntakeState intake;
    private final AdmissionState admission;
    private final ScheduleState schedule;
    private final DeliveryStats stats;
    private final TargetBoundGauges targetBound;
    private final Drain drain;
    private final KafkaClientService clients;
    private final DeadLetterState deadLetters;
    private final RouteHolds holds;

    StatusResource(CurrentConfig config, IntakeState intake, AdmissionState admission, ScheduleState schedule, DeliveryStats stats, Drain drain,
            KafkaClientService clients, DeadLetterState deadLetters, TargetBoundGauges targetBound, RouteHolds holds) {
        this.holds = holds;
        this.targetBound = targetBound;
        this.deadLetters = deadLetters;
        this.clients = clients;
        this.config = config;
        this.intake = intake;
        this.admission = admission;
        this.schedule = schedule;
        this.stats = stats;
        this.drain = drain;
    }

    @GET
    @Operation(summary = "Per route: in flight, limit (current, adaptive or fixed), concurrency mode, rate limit, "
            + "delivered/retried/dead-lettered/failed/filtered, target-bound (and what held it back), paused partitions, degraded (dead letters cannot be written: "
            + "why, records held); config version of each stage")
    public Uni<Map<String, Object>> status() {
        // the consumer answers on its polling thread; a status page must not hang on it
        return pausedPartitions()
                .ifNoItem().after(Duration.ofSeconds(2)).recoverWithItem(Set.of())
                .onFailure().recoverWithItem(Set.of())
                .map(this::status);
    }

    private Uni<Set<TopicPartition>> pausedPartitions() {
        if (!intake.running()) {
            return Uni.createFrom().item(Set.of());
        }
        try {
            KafkaConsumer<Object, Object> consumer = clients.getConsumer(Channels.INTAKE);
            return consumer == null ? Uni.createFrom().item(Set.of()) : consumer.paused();
        } catch (RuntimeException e) {
            return Uni.createFrom().item(Set.of());
        }
    }

    private Map<String, Object> status(Set<TopicPartition> paused) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("configVersion", config.versioned().version());
        out.put("appliedVersions", Map.of("intake", admission.appliedVersion(), "dispatcher", schedule.appliedVersion()));
        out.put("running", intake.running());
        out.put("draining", drain.draining());
        if (drain.draining()) {
            out.put("drainRemainingMs", drain.remaining().toMillis());
        }
        // inFlight counts parked records too: at most maxInFlight + maxParked
        out.put("parked", admission.parked());
        out.put("maxParked", admission.maxParked());
        out.put("inFlight", admission.inFlight());
        out.put("maxInFlight", admission.maxInFlight());
        // requests on the wire across all routes: at most maxInFlight, parked records included
        out.put("requestsInFlight", schedule.requestsOnWire());
        // received from Kafka, waiting for an in-flight permit (the consumer pauses when it fills)
        out.put("staged", admission.staged());
        List<Map<String, Object>> routes = config.get().routes().stream().map(r -> route(r, paused)).toList();
        out.put("routes", routes);
        return out;
    }

    private Map<String, Object> route(Route r, Set<TopicPartition> paused) {
        Map<String, Object> m = new LinkedHashMap<>();
        ScheduleState.RouteState scheduled = schedule.route(r.name());
        // null only in the instant between a config change and its meters (see DeliveryStats)
        RouteMeters c = stats.find(r.name());
        m.put("name", r.name());
        m.put("paused", r.paused());
        m.put("topics", r.topics());
        m.put("inFlight", scheduled == null ? 0 : scheduled.inFlight());
        m.put("limit", scheduled == null ? r.maxInFlight() : scheduled.limit());
        m.put("concurrency", concurrency(r));
        m.put("rateLimit", rateLimit(r, scheduled));
        m.put("delivered", c == null ? 0 : c.delivered());
        m.put("retried", c == null ? 0 : c.retried());
        m.put("deadLettered", c == null ? 0 : c.deadLettered());
        m.put("failed", c == null ? 0 : c.failed());
        m.put("filtered", c == null ? 0 : c.filtered());
        // held back by the target (rate-limit waits, adaptive backing off, retries) over the last 10 s
        TargetBoundGauges.View bound = targetBound.view(r.name());
        m.put("targetBound", bound.bound());
        m.put("heldBack", bound.heldBack());
        // the consumer pauses partitions while the pipeline is full (backpressure)
        List<String> pausedHere = paused.stream().filter(tp -> r.topics().contains(tp.topic()))
                .map(TopicPartition::toString).sorted().toList();
        m.put("pausedPartitions", pausedHere);
        // a paused route's records held in Kafka on topics other routes go on reading, per partition
        m.put("holds", StatusEvents.holds(holds, r.name()));
        deadLetters(m, r);
        return m;
    }

    /**
     * Whether the route can write its dead letters; when not, why, since when, and the records it
     * holds unacked meanwhile (the held records keep their route permits, so they count in inFlight).
     */
    private void deadLetters(Map<String, Object> m, Route r) {
        DeadLetterState.Degradation d = deadLetters.degradation(r.name());
        m.put("degraded", d != null);
        if (d != null) {
            m.put("degradedReason", d.reason());
            m.put("degradedSince", String.valueOf(d.since()));
        }
        m.put("deadLetterHeld", deadLetters.held(r.name()));
    }

    /** The mode and, when adaptive, its bounds; where the limit stands now is "limit". */
    private static Map<String, Object> concurrency(Route r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", r.concurrency().mode().configName());
        if (r.concurrency().adaptive()) {
            m.put("min", r.concurrency().adaptiveMin());
            m.put("max", r.concurrency().adaptiveMax());
        }
        return m;
    }

    /**
     * The rate limit in force (per-second 0: none) and the attempts waiting for a token; a
     * group-wide one also gives this replica's share: partitions held of the route's partitions,
     * and the rate that makes here.
     */
    private static Map<String, Object> rateLimit(Route r, ScheduleState.RouteState scheduled) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("perSecond", r.rateLimit().perSecond());
        m.put("burst", r.rateLimit().burst());
        m.put("scope", r.rateLimit().scope().configName());
        if (r.rateLimit().groupWide()) {
            PartitionShare share = scheduled == null ? null : scheduled.rateShare();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("partitions", share == null ? 0 : share.assigned());
            s.put("of", share == null ? 0 : share.total());
            s.put("perSecond", share == null ? 0.0 : share.perSecond(r.rateLimit()));
            m.put("share", s);
        }
        m.put("waiting", scheduled == null ? 0 : scheduled.waitingForRate());
        return m;
    }
}
