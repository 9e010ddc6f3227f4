package dev.sluice.redrive;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceSettings;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Ownership;
import dev.sluice.pipeline.Stopping;
import dev.sluice.schedule.PausedRecords;
import dev.sluice.schedule.Redelivery;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * A paused route's holds on the partitions of topics other routes go on reading. The first record
 * held on a partition writes a mark to the redrive topic ({@code hold/<route>|<topic>|<partition>}:
 * the offset the hold began at, and how far a catch-up has come), and the record is done with
 * only once the broker has it, so the commit never passes a hold that a restart would not know.
 * From then on the route's records of that partition at or above the mark are held: done with
 * here, left in Kafka. Once the route is resumed, the replica that owns the partition reads it
 * again from the mark ({@link CatchUp}) and sends the route's records through it; when it has
 * read everything the intake held, it hands the partition back to the intake at the offset it
 * reached and deletes the mark. Every replica follows the marks, and dispatches nothing before it
 * has read them.
 */
@ApplicationScoped
public class RouteHolds implements PausedRecords {
    private static final Logger LOG = Logger.getLogger(RouteHolds.class);
    static final String PREFIX = "hold/";
    /** Holds kept at most: the redrive topic is input too. */
    static final int MAX_HOLDS = 10_000;
    /** Catch-ups running at once on a replica, a route each. */
    static final int MAX_CATCH_UPS = 4;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A hold as written to the redrive topic. */
    public record Mark(String route, String topic, int partition, long from, long done) {
        String key() {
            return PREFIX + route + "|" + topic + "|" + partition;
        }
    }

    /** One route's hold on one partition. Guarded by itself. */
    static final class Hold {
        final String route;
        final String topic;
        final int partition;
        final long from;
        long done;
        /** The highest offset the intake held here, -1 for none yet. */
        long lastSeen = -1;
        /** Handed back to the intake: records at or above it are delivered live; -1 while held. */
        long liveFrom = -1;
        int epochAtFlip;
        final CompletableFuture<Void> written;

        Hold(String route, String topic, int partition, long from, long done, CompletableFuture<Void> written) {
            this.route = route;
            this.topic = topic;
            this.partition = partition;
            this.from = from;
            this.done = done;
            this.written = written;
        }

        Mark mark() {
            synchronized (this) {
                return new Mark(route, topic, partition, from, done);
            }
        }

        boolean flipped() {
            synchronized (this) {
                return liveFrom >= 0;
            }
        }
    }

    private final CurrentConfig config;
    private final Redelivery redelivery;
    private final Ownership ownership;
    private final Stopping stopping;
    private final Map<String, Object> kafka;
    private final String groupId;
    private final int window;
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final Map<String, CatchUp> catchUps = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> known = new CompletableFuture<>();
    private volatile boolean any;
    private volatile RedriveStore store;
    private ScheduledExecutorService ticker;
    private ThreadPoolExecutor pool;
    private volatile boolean closing;

    RouteHolds(CurrentConfig config, Redelivery redelivery, Ownership ownership, Stopping stopping, SluiceSettings settings,
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            @ConfigProperty(name = "sluice.group-id") String groupId) {
        this.config = config;
        this.redelivery = redelivery;
        this.ownership = ownership;
        this.stopping = stopping;
        this.kafka = kafka;
        this.groupId = groupId;
        this.window = Math.max(1, settings.redrive().window());
    }

    /** The redrive topic is read up to its end: the holds are known (called by {@link Redrives}). */
    void attach(RedriveStore store) {
        this.store = store;
        pool = new ThreadPoolExecutor(MAX_CATCH_UPS, MAX_CATCH_UPS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_CATCH_UPS), r -> {
                    Thread t = new Thread(r, "sluice-catch-up");
                    t.setDaemon(true);
                    return t;
                });
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-catch-up-scan");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::scan, 500, 500, TimeUnit.MILLISECONDS);
    }

    void loaded() {
        if (known.complete(null)) {
            LOG.debugf("holds of paused routes known: %d", holds.size());
        }
    }

    @Override
    public boolean known() {
        return known.isDone();
    }

    @Override
    public CompletionStage<Void> whenKnown() {
        return known;
    }

    @Override
    public boolean any() {
        return any;
    }

    @Override
    public CompletionStage<Void> hold(Route route, Event event) {
        String key = new Mark(route.name(), event.topic(), event.partition(), 0, 0).key();
        Hold h = holds.get(key);
        if (h != null && h.flipped()) {
            synchronized (h) {
                if (ownership.epoch(event.topic(), event.partition()) != h.epochAtFlip) {
                    // the partition went and came back since: read again from the committed offset, all live
                    holds.remove(key, h);
                    h = null;
                } else if (event.offset() >= h.liveFrom) {
                    if (!route.paused()) {
                        return null;
                    }
                    holds.remove(key, h); // paused again: a new hold from here
                    h = null;
                } else {
                    return event.offset() >= h.from ? CompletableFuture.completedFuture(null) : null;
                }
            }
        }
        if (h == null) {
            if (!route.paused()) {
                return null;
            }
            if (holds.size() >= MAX_HOLDS) {
                return CompletableFuture.failedFuture(new IllegalStateException(MAX_HOLDS + " holds of paused routes "
                        + "already: resume some routes"));
            }
            h = holds.computeIfAbsent(key, k -> begin(route.name(), event.topic(), event.partition(), event.offset()));
            any = true;
        }
        synchronized (h) {
            if (event.offset() < h.from) {
                return null; // taken before the hold began: it finishes as usual
            }
            h.lastSeen = Math.max(h.lastSeen, event.offset());
            return h.written;
        }
    }

    /** A new hold: its mark is written on a worker (the broker's answer is waited for there). */
    private Hold begin(String route, String topic, int partition, long from) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        Hold h = new Hold(route, topic, partition, from, from, written);
        Mark mark = h.mark();
        LOG.infof("route %s is paused: its records of %s-%d from offset %d are held in Kafka for its resume", route, topic,
                partition, from);
        try {
            Infrastructure.getDefaultWorkerPool().execute(() -> {
                try {
                    write(mark);
                    written.complete(null);
                } catch (RuntimeException e) {
                    LOG.errorf("route %s: the hold of %s-%d could not be marked (%s)", route, topic, partition, e.getMessage());
                    holds.remove(mark.key(), h);
                    written.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            written.completeExceptionally(e);
        }
        return h;
    }

    void write(Mark mark) {
        RedriveStore s = store;
        if (s == null) {
            throw new IllegalStateException("the redrive topic is not open yet");
        }
        try {
            s.write(mark.key(), JSON.writeValueAsString(mark));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The catch-up handed the partition back: its mark goes. */
    void released(Hold h) {
        RedriveStore s = store;
        if (s != null) {
            s.write(h.mark().key(), null);
        }
    }

    /** A hold record of the redrive topic, read by its follower. */
    void apply(String key, String value) {
        if (value == null) {
            Hold h = holds.get(key);
            if (h != null && !h.flipped()) {
                holds.remove(key, h); // caught up on another replica (one caught up here is flipped: kept for the intake)
            }
            refreshAny();
            return;
        }
        Mark m;
        try {
            m = JSON.readValue(value, Mark.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a hold: " + e.getOriginalMessage());
        }
        if (m.route() == null || m.topic() == null || !m.key().equals(key) || m.from() < 0 || m.done() < m.from()) {
            throw new IllegalArgumentException("not a hold of its key");
        }
        Hold known = holds.get(key);
        if (known == null) {
            if (holds.size() >= MAX_HOLDS) {
                LOG.warnf("hold %s ignored: %d holds known already", key, MAX_HOLDS);
                return;
            }
            holds.put(key, new Hold(m.route(), m.topic(), m.partition(), m.from(), m.done(),
                    CompletableFuture.completedFuture(null)));
            any = true;
        } else if (!known.flipped()) {
            synchronized (known) {
                known.done = Math.max(known.done, m.done());
            }
        }
    }

    private void refreshAny() {
        any = !holds.isEmpty();
    }

    /** Starts a catch-up for each resumed route with holds on partitions this replica owns. */
    private void scan() {
        try {
            if (!known() || closing || stopping.isStopping()) {
                return;
            }
            Map<String, Route> routes = new java.util.HashMap<>();
            config.get().routes().forEach(r -> routes.put(r.name(), r));
            Map<String, List<Hold>> ready = new java.util.HashMap<>();
            for (Hold h : holds.values()) {
                Route r = routes.get(h.route);
                if (h.flipped() || r == null || r.paused() || !r.topics().contains(h.topic)
                        || !ownership.owns(h.topic, h.partition)) {
                    continue;
                }
                ready.computeIfAbsent(h.route, k -> new ArrayList<>()).add(h);
            }
            ready.forEach((route, hs) -> {
                CatchUp running = catchUps.get(route);
                if (running != null) {
                    running.offer(hs);
                    return;
                }
                CatchUp c = new CatchUp(route, this, hs);
                catchUps.put(route, c);
                try {
                    pool.execute(c);
                } catch (RejectedExecutionException e) {
                    catchUps.remove(route, c); // all catch-up threads busy: the next scan tries again
                }
            });
            holds.values().removeIf(h -> h.flipped() && ownership.epoch(h.topic, h.partition) != h.epochAtFlip);
            refreshAny();
        } catch (RuntimeException e) {
            LOG.warnf("catch-up scan failed: %s", e.toString());
        }
    }

    void ended(CatchUp c) {
        catchUps.remove(c.route(), c);
    }

    Redelivery redelivery() {
        return redelivery;
    }

    Ownership ownership() {
        return ownership;
    }

    boolean halted(String route) {
        if (closing || stopping.isStopping()) {
            return true;
        }
        return config.get().routes().stream().filter(r -> r.name().equals(route)).findFirst().map(Route::paused).orElse(true);
    }

    Map<String, Object> kafka() {
        return kafka;
    }

    String groupId() {
        return groupId;
    }

    int window() {
        return window;
    }

    /** The route's holds here, for status: partition -> [from, done, flipped ? 1 : 0]. */
    public List<Mark> marks(String route) {
        List<Mark> out = new ArrayList<>();
        holds.values().forEach(h -> {
            if (h.route.equals(route) && !h.flipped()) {
                out.add(h.mark());
            }
        });
        return out;
    }

    @PreDestroy
    void close() {
        closing = true;
        if (ticker != null) {
            ticker.shutdownNow();
        }
        if (pool != null) {
            pool.shutdown();
            try {
                pool.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
