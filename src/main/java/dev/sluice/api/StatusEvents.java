package dev.sluice.api;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceSettings;
import dev.sluice.config.Watch;
import dev.sluice.config.SluiceConfig;
import dev.sluice.deliver.DeliveryStats;
import dev.sluice.deliver.RouteMeters;
import dev.sluice.intake.IntakeState;
import dev.sluice.lifecycle.Drain;
import dev.sluice.lifecycle.DrainProgress;
import dev.sluice.lifecycle.ShutdownRequested;
import dev.sluice.metrics.ConsumerGauges;
import dev.sluice.outcome.DeadLetterState;
import dev.sluice.redrive.RouteHolds;
import dev.sluice.schedule.AdmissionState;
import dev.sluice.schedule.ScheduleState;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * The one producer of the live status stream (GET /admin/events, see {@link EventStream}): every
 * {@code sluice.admin.events.tick} (1 s), on a Vert.x timer, it reads the pipeline's non-blocking state and publishes into
 * the {@link EventRing}:
 * <ul>
 * <li>{@code status}: per route in flight, limit, outcome counts and their rates per second since
 * the previous tick, delivery latency p50 and p99 over the last 30 s ({@link LatencyWindow}), lag and
 * paused partitions (the latest consumer reading, see ConsumerGauges);</li>
 * <li>{@code config}: when a new config version is in force (its version and route names; the
 * config holds secret references only, and not even those are sent);</li>
 * <li>{@code route}: when the config in force pauses or resumes a route;</li>
 * <li>{@code failure}: when a route's dead letters cannot be written, and when they can again;</li>
 * <li>{@code drain}: when the drain starts and when it finishes, after which the stream ends.</li>
 * </ul>
 * It never waits for a subscriber: publishing only appends to the ring and tells the stream.
 */
@ApplicationScoped
public class StatusEvents {
    private static final Logger LOG = Logger.getLogger(StatusEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the stream is told; called on the publishing thread, so it must only schedule work. */
    interface Listener {
        void published();

        void closed();

        /** Waits at most {@code ms} for every subscriber's stream to end; false if some did not. */
        boolean awaitEnded(long ms);
    }

    /** How long a SIGTERM waits for the streams to take their final event before the HTTP server closes. */
    private static final long FINAL_EVENT_WAIT_MS = 500;

    private final CurrentConfig config;
    private final IntakeState intake;
    private final AdmissionState admission;
    private final ScheduleState schedule;
    private final DeliveryStats stats;
    private final ConsumerGauges consumer;
    private final DeadLetterState deadLetters;
    private final Drain drain;
    private final RouteHolds holds;
    private final Vertx vertx;
    private final EventRing ring;
    private final Duration tick;
    /** Counts at the previous tick, by route; only the routes of the current config (bounded by it). */
    private Map<String, long[]> previous = Map.of();
    private long previousNanos;
    private long configVersion = -1;
    private Set<String> degraded = Set.of();
    /** Routes paused in the config last seen (bounded by it). */
    private Set<String> paused = Set.of();
    /** Delivery latency per route over the last 30 s, from the routes' histograms. */
    private final LatencyWindow latency = new LatencyWindow();
    private volatile EventRing.Entry latestStatus;
    private volatile EventRing.Entry latestConfig;
    private volatile Listener listener;
    private volatile boolean closed;
    private long timer = -1;

    StatusEvents(CurrentConfig config, IntakeState intake, AdmissionState admission, ScheduleState schedule,
            DeliveryStats stats, ConsumerGauges consumer, DeadLetterState deadLetters, Drain drain, Vertx vertx,
            SluiceSettings settings, RouteHolds holds) {
        this.holds = holds;
        this.ring = new EventRing(settings.admin().events().ringSize());
        this.tick = settings.admin().events().tick();
        this.config = config;
        this.intake = intake;
        this.admission = admission;
        this.schedule = schedule;
        this.stats = stats;
        this.consumer = consumer;
        this.deadLetters = deadLetters;
        this.drain = drain;
        this.vertx = vertx;
    }

    synchronized void start(@Observes StartupEvent event) {
        tick();
        timer = vertx.setPeriodic(Math.max(1, tick.toMillis()), id -> tick());
    }

    @PreDestroy
    synchronized void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    EventRing ring() {
        return ring;
    }

    /** The latest config and status events, oldest first: what a new subscriber gets at once. */
    List<EventRing.Entry> current() {
        EventRing.Entry c = latestConfig;
        EventRing.Entry s = latestStatus;
        if (c == null || s == null) {
            return c == null ? (s == null ? List.of() : List.of(s)) : List.of(c);
        }
        return c.id() < s.id() ? List.of(c, s) : List.of(s, c);
    }

    boolean closed() {
        return closed;
    }

    void listen(Listener l) {
        this.listener = l;
    }

    /** One tick: runs on the event loop and reads only what answers at once. */
    synchronized void tick() {
        if (closed) {
            // the streams ended with their final drain event; nothing follows it
            return;
        }
        try {
            Watch.Versioned<SluiceConfig> v = config.versioned();
            if (v.version() != configVersion) {
                configVersion = v.version();
                latestConfig = publish("config", configEvent(v));
                pauses(v);
            }
            failures();
            latestStatus = publish("status", statusEvent(v.value()));
        } catch (RuntimeException e) {
            // a status stream that misses a tick is better than a timer that stops
            LOG.debugf(e, "status stream: could not read the pipeline's state this tick");
        }
    }

    /**
     * SIGTERM: Quarkus closes the HTTP server before the drain runs, so the streams get their final
     * {@code drain} event (phase started) and end now, with a short bounded wait for them to take it.
     */
    void onShutdownRequested(@Observes ShutdownRequested r) {
        onDrain(new DrainProgress(false, r.inFlight(), 0, r.drainTimeoutMs()), true);
        Listener l = listener;
        if (l != null && !l.awaitEnded(FINAL_EVENT_WAIT_MS)) {
            LOG.debug("status stream: some subscribers did not take the final event before the shutdown");
        }
    }

    void onDrain(@Observes DrainProgress p) {
        onDrain(p, p.finished());
    }

    /**
     * Publishes a drain event, and with {@code last} ends the streams with it. The event and the
     * close are one step under the lock {@link #tick()} takes, so no tick can come between them
     * and follow the final event (a CI run once saw a status event after it).
     */
    private void onDrain(DrainProgress p, boolean last) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", p.finished() ? "finished" : "started");
        m.put("inFlight", p.inFlight());
        m.put("elapsedMs", p.elapsedMs());
        m.put("timeoutMs", p.timeoutMs());
        synchronized (this) {
            if (closed) {
                // SIGTERM already told the subscribers, and ended their streams
                return;
            }
            publish("drain", m);
            if (last) {
                closed = true;
            }
        }
        if (last) {
            endStreams();
        }
    }

    private void endStreams() {
        Listener l = listener;
        if (l != null) {
            l.closed();
        }
    }

    private EventRing.Entry publish(String type, Map<String, Object> data) {
        String json;
        try {
            json = JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status stream: " + type + " event not serialisable", e);
        }
        EventRing.Entry e = ring.publish(type, json);
        Listener l = listener;
        if (l != null) {
            l.published();
        }
        return e;
    }

    private static Map<String, Object> configEvent(Watch.Versioned<SluiceConfig> v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", v.version());
        m.put("routes", v.value().routes().stream().map(Route::name).toList());
        m.put("paused", v.value().routes().stream().filter(Route::paused).map(Route::name).toList());
        return m;
    }

    /**
     * A {@code route} event for each route paused or resumed by the config now in force (one that
     * comes paused counts as paused; the first config seen tells only of paused routes).
     */
    private void pauses(Watch.Versioned<SluiceConfig> v) {
        Set<String> now = new java.util.HashSet<>();
        for (Route r : v.value().routes()) {
            if (r.paused()) {
                now.add(r.name());
            }
        }
        for (Route r : v.value().routes()) {
            if (r.paused() != paused.contains(r.name())) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("route", r.name());
                m.put("paused", r.paused());
                m.put("configVersion", v.version());
                publish("route", m);
            }
        }
        paused = Set.copyOf(now);
    }

    /** A failure event for each route whose dead letters became unwritable, or writable again. */
    private void failures() {
        Map<String, DeadLetterState.Degradation> now = deadLetters.degraded();
        for (Map.Entry<String, DeadLetterState.Degradation> e : now.entrySet()) {
            if (!degraded.contains(e.getKey())) {
                DeadLetterState.Degradation d = e.getValue();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kind", "dead-letter-degraded");
                m.put("route", d.route());
                m.put("deadLetterTopic", d.deadLetterTopic());
                m.put("reason", d.reason());
                m.put("since", String.valueOf(d.since()));
                m.put("held", d.held());
                publish("failure", m);
            }
        }
        for (String route : degraded) {
            if (!now.containsKey(route)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kind", "dead-letter-recovered");
                m.put("route", route);
                publish("failure", m);
            }
        }
        degraded = Set.copyOf(now.keySet());
    }

    private Map<String, Object> statusEvent(SluiceConfig current) {
        long nanos = System.nanoTime();
        double seconds = previousNanos == 0 ? 0 : (nanos - previousNanos) / 1e9;
        previousNanos = nanos;
        Map<TopicPartition, Long> lag = consumer.lag();
        Set<TopicPartition> paused = consumer.paused();
        Map<String, long[]> counts = new HashMap<>();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("at", Instant.now().toString());
        out.put("configVersion", configVersion);
        out.put("running", intake.running());
        out.put("draining", drain.draining());
        out.put("inFlight", admission.inFlight());
        out.put("maxInFlight", admission.maxInFlight());
        out.put("routes", current.routes().stream().map(r -> route(r, seconds, nanos, counts, lag, paused)).toList());
        previous = counts;
        latency.retain(counts.keySet());
        return out;
    }

    private Map<String, Object> route(Route r, double seconds, long nanos, Map<String, long[]> counts,
            Map<TopicPartition, Long> lag, Set<TopicPartition> paused) {
        ScheduleState.RouteState scheduled = schedule.route(r.name());
        RouteMeters c = stats.find(r.name());
        long[] now = c == null ? new long[4]
                : new long[] { c.delivered(), c.retried(), c.deadLettered(), c.filtered() };
        counts.put(r.name(), now);
        long[] before = previous.get(r.name());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("paused", r.paused());
        m.put("inFlight", scheduled == null ? 0 : scheduled.inFlight());
        m.put("limit", scheduled == null ? r.maxInFlight() : scheduled.limit());
        m.put("delivered", now[0]);
        m.put("retried", now[1]);
        m.put("deadLettered", now[2]);
        m.put("filtered", now[3]);
        m.put("failed", c == null ? 0 : c.failed());
        // per second since the previous tick; absent on the first tick and for a route new since it
        if (before != null && seconds > 0) {
            Map<String, Object> rate = new LinkedHashMap<>();
            rate.put("delivered", round((now[0] - before[0]) / seconds));
            rate.put("retried", round((now[1] - before[1]) / seconds));
            rate.put("deadLettered", round((now[2] - before[2]) / seconds));
            rate.put("filtered", round((now[3] - before[3]) / seconds));
            m.put("perSecond", rate);
        }
        // p50 and p99 of the deliveries of the last 30 s, from the sluice.delivery.duration buckets; absent if none
        Map<String, Object> latencyMs = c == null ? null : latency.latency(r.name(), c.deliveryLatency(), nanos);
        if (latencyMs != null) {
            m.put("latencyMs", latencyMs);
        }
        Map<String, Long> routeLag = new TreeMap<>();
        lag.forEach((tp, l) -> {
            if (r.topics().contains(tp.topic())) {
                routeLag.put(tp.toString(), l);
            }
        });
        m.put("lag", routeLag);
        m.put("pausedPartitions", paused.stream().filter(tp -> r.topics().contains(tp.topic()))
                .map(TopicPartition::toString).sorted().toList());
        m.put("holds", holds(holds, r.name()));
        return m;
    }

    /**
     * A paused route's records held in Kafka, per partition of a topic other routes go on reading:
     * the offset its hold began at and, while its resume catches up, the offset it has reached.
     */
    static List<Map<String, Object>> holds(RouteHolds holds, String route) {
        return holds.marks(route).stream()
                .sorted(java.util.Comparator.comparing(RouteHolds.Mark::topic).thenComparingInt(RouteHolds.Mark::partition))
                .map(h -> Map.<String, Object> of("partition", h.topic() + "-" + h.partition(), "from", h.from(),
                        "caughtUpTo", h.done()))
                .toList();
    }

    private static double round(double perSecond) {
        return Math.round(perSecond * 10) / 10.0;
    }
}
