package dev.sluice.redrive;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ArrayBlockingQueue;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceSettings;
import dev.sluice.pipeline.Ownership;
import dev.sluice.pipeline.Stopping;
import dev.sluice.schedule.Redelivery;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Redrives: dead letters sent through their route again as tracked operations, kept in the redrive
 * topic ({@link RedriveStore}) so every replica lists the same ones and one that is left without a
 * runner is taken over. Started here, a redrive runs here ({@link RedriveRun}); its runner reports
 * every lease / 5. A redrive whose report is older than {@code sluice.redrive.lease} (its replica
 * crashed or was killed), or that was let go by a drain, is claimed by a replica that sees it: it
 * writes the redrive with the next lease number and runs it once it reads its own claim back as
 * the latest; a stale runner that reads a higher lease stops.
 */
@ApplicationScoped
public class Redrives {
    private static final Logger LOG = Logger.getLogger(Redrives.class);
    /** Dead letters one redrive may name one by one. */
    public static final int MAX_SELECTED = 1000;
    /** Finished redrives kept in the topic; older ones are deleted (tombstoned). */
    static final int MAX_FINISHED = 200;
    /** Redrives kept in memory at most, finished or not: the topic is input too. */
    static final int MAX_KNOWN = 1000;
    /** How often a runner writes its progress (more often when the lease is short). */
    static final long REPORT_EVERY_MS = 250;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Why a redrive cannot start now (503); {@link IllegalArgumentException} is the caller's fault (400). */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }

    /** The field and message of a refused request. */
    public static final class Refused extends IllegalArgumentException {
        private final String field;

        Refused(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** What a new redrive takes: null fields do not narrow. */
    public record Request(String route, DeadLetterFilter filter, List<long[]> selected, Integer partition, Long fromOffset,
            Long toOffset) {
    }

    private final CurrentConfig config;
    private final Redelivery redelivery;
    private final Ownership ownership;
    private final Stopping stopping;
    private final SluiceSettings.RedriveSettings settings;
    private final Map<String, Object> kafka;
    private final DeadLetterReaders readers;
    private final String me;
    private final Map<String, RedriveState> ops = new ConcurrentHashMap<>();
    private final Set<String> cancels = ConcurrentHashMap.newKeySet();
    private final Map<String, RedriveRun> runs = new ConcurrentHashMap<>();
    /** id@lease of every run started here, so a record read back never starts one twice. */
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private ThreadPoolExecutor pool;
    private ScheduledExecutorService ticker;
    private RedriveStore store;
    private volatile boolean closing;
    private final RouteHolds holds;

    Redrives(CurrentConfig config, Redelivery redelivery, Ownership ownership, Stopping stopping, SluiceSettings settings,
            @Identifier("default-kafka-broker") Map<String, Object> kafka, RouteHolds holds) {
        this.config = config;
        this.holds = holds;
        this.redelivery = redelivery;
        this.ownership = ownership;
        this.stopping = stopping;
        this.settings = settings.redrive();
        this.kafka = kafka;
        this.readers = new DeadLetterReaders(kafka);
        this.me = host() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "replica";
        }
    }

    void start(@Observes StartupEvent event) {
        int n = Math.max(1, settings.maxRunning());
        pool = new ThreadPoolExecutor(n, n, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(n), r -> {
            Thread t = new Thread(r, "sluice-redrive");
            t.setDaemon(true);
            return t;
        });
        store = new RedriveStore(settings.topic(), kafka, this::apply, holds::loaded);
        holds.attach(store);
        store.start();
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-redrive-lease");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(100, settings.lease().toMillis() / 5);
        ticker.scheduleWithFixedDelay(this::takeOver, every, every, TimeUnit.MILLISECONDS);
        stopping.onBegin(() -> LOG.debug("drain: redrives stop taking dead letters"));
    }

    /** Every redrive this replica knows, newest first. */
    public List<RedriveState> list() {
        List<RedriveState> all = new ArrayList<>(ops.values());
        all.replaceAll(s -> Optional.ofNullable(runs.get(s.id())).map(RedriveRun::state).orElse(s));
        all.sort(Comparator.comparingLong(RedriveState::createdMs).reversed());
        return all;
    }

    public Optional<RedriveState> get(String id) {
        RedriveRun run = runs.get(id);
        return run != null ? Optional.of(run.state()) : Optional.ofNullable(ops.get(id));
    }

    /**
     * Starts a redrive of what {@code request} selects of the route's dead letters now (blocking:
     * reads the topic's offsets and writes the redrive; call it from a worker thread).
     */
    public RedriveState start(Request request) {
        if (store == null || !store.loaded()) {
            throw new Unavailable("the redrive topic " + settings.topic() + " is not read yet; try again shortly");
        }
        if (stopping.isStopping()) {
            throw new Unavailable("this replica is draining");
        }
        if (runs.size() >= Math.max(1, settings.maxRunning())) {
            throw new Unavailable("at most " + settings.maxRunning() + " redrives run at once on a replica ("
                    + "sluice.redrive.max-running); try again when one has finished");
        }
        Route route = config.get().routes().stream().filter(r -> r.name().equals(request.route())).findFirst()
                .orElseThrow(() -> new Refused("route", "no route named \"" + request.route() + "\" in the config in force"));
        Map<Integer, long[]> ranges = new HashMap<>();
        try (DeadLetterReaders.Reader reader = readers.open()) {
            DeadLetterFilter f = request.filter();
            for (Map.Entry<TopicPartition, long[]> r : reader.ranges(route.deadLetterTopic(), f.fromMs(), f.toMs()).entrySet()) {
                ranges.put(r.getKey().partition(), r.getValue());
            }
        }
        if (request.partition() != null) {
            long[] r = ranges.get(request.partition());
            if (r == null) {
                throw new Refused("partition", "dead-letter topic " + route.deadLetterTopic() + " has no partition "
                        + request.partition());
            }
            long lo = Math.max(r[0], request.fromOffset() == null ? r[0] : request.fromOffset());
            long hi = Math.min(r[1], request.toOffset() == null ? r[1] : request.toOffset());
            ranges = new HashMap<>(Map.of(request.partition(), new long[] {lo, Math.max(lo, hi)}));
        }
        if (request.selected() != null) {
            Map<Integer, long[]> narrowed = new HashMap<>();
            for (long[] po : request.selected()) {
                long[] r = ranges.get((int) po[0]);
                if (r == null || po[1] < r[0] || po[1] >= r[1]) {
                    throw new Refused("deadLetters", "no dead letter at partition " + po[0] + " offset " + po[1] + " of "
                            + route.deadLetterTopic() + " (within the time range, if one is given)");
                }
                narrowed.merge((int) po[0], new long[] {po[1], po[1] + 1},
                        (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
            ranges = narrowed;
        }
        Map<Integer, Long> done = new HashMap<>();
        ranges.forEach((p, r) -> done.put(p, r[0]));
        long now = System.currentTimeMillis();
        String id = UUID.randomUUID().toString().substring(0, 13).replace("-", "");
        RedriveState state = new RedriveState(id, route.name(), route.deadLetterTopic(), RedriveState.RUNNING, me, 1, now, now,
                now, request.filter(), request.selected(), ranges, done, done, Map.of(), 0, 0, 0, 0, null);
        write(state);
        ops.put(id, state);
        launch(state);
        return get(id).orElse(state);
    }

    /** Asks the redrive's runner, wherever it runs, to stop; empty when no such redrive is known. */
    public Optional<RedriveState> cancel(String id) {
        RedriveState s = get(id).orElse(null);
        if (s == null) {
            return Optional.empty();
        }
        if (!s.finished()) {
            store.write("cancel/" + id, "{}");
            cancels.add(id);
        }
        return get(id);
    }

    private void write(RedriveState s) {
        try {
            store.write("op/" + s.id(), JSON.writeValueAsString(s));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A record of the redrive topic, read by the follower (in topic order, one at a time). */
    private void apply(String key, String value) {
        if (key.startsWith(RouteHolds.PREFIX)) {
            holds.apply(key, value);
            return;
        }
        if (key.startsWith("cancel/")) {
            String id = key.substring("cancel/".length());
            if (value == null) {
                cancels.remove(id);
            } else {
                cancels.add(id);
            }
            return;
        }
        if (!key.startsWith("op/")) {
            return;
        }
        String id = key.substring(3);
        if (value == null) {
            ops.remove(id);
            return;
        }
        RedriveState s;
        try {
            s = JSON.readValue(value, RedriveState.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a redrive: " + e.getOriginalMessage());
        }
        RedriveState known = ops.get(id);
        if (known == null && ops.size() >= MAX_KNOWN) {
            LOG.warnf("redrive %s in %s ignored: %d redrives known already", id, settings.topic(), MAX_KNOWN);
            return;
        }
        if (known != null && s.lease() < known.lease()) {
            return; // written by a runner that has lost it since
        }
        ops.put(id, s);
        RedriveRun run = runs.get(id);
        if (run != null && (s.lease() > run.lease() || !s.owner().equals(me))) {
            run.fence();
        }
        if (s.owner().equals(me) && !s.finished() && (known == null || s.lease() > known.lease()
                || !started.contains(id + "@" + s.lease()))) {
            launch(s); // our claim came back the latest: ours to run
        }
        forgetOld();
    }

    private synchronized void launch(RedriveState s) {
        if (!started.add(s.id() + "@" + s.lease()) || runs.containsKey(s.id()) || stopping.isStopping()) {
            return;
        }
        RedriveRun run = new RedriveRun(s, new RedriveRun.Context() {
            @Override
            public DeadLetterReaders readers() {
                return readers;
            }

            @Override
            public Redelivery redelivery() {
                return redelivery;
            }

            @Override
            public Ownership ownership() {
                return ownership;
            }

            @Override
            public boolean cancelled(String id) {
                return cancels.contains(id);
            }

            @Override
            public boolean stopping() {
                return closing || stopping.isStopping();
            }

            @Override
            public String deadLetterTopic(String route) {
                return config.get().routes().stream().filter(r -> r.name().equals(route)).findFirst()
                        .map(Route::deadLetterTopic).orElse(null);
            }

            @Override
            public void write(RedriveState state) {
                Redrives.this.write(state);
            }

            @Override
            public void ended(RedriveRun r) {
                runs.remove(r.id(), r);
                ops.merge(r.id(), r.state(), (a, b) -> b.lease() >= a.lease() ? b : a);
            }

            @Override
            public long reportEveryMs() {
                // progress 4 times a second bounds what a take-over repeats; the heartbeat needs lease / 5
                return Math.max(50, Math.min(REPORT_EVERY_MS, settings.lease().toMillis() / 5));
            }
        }, Math.max(1, settings.window()));
        try {
            runs.put(s.id(), run);
            pool.execute(run);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            runs.remove(s.id(), run);
            started.remove(s.id() + "@" + s.lease());
            LOG.warnf("redrive %s not started here: every redrive thread is busy", s.id());
        }
    }

    /** Claims a redrive whose runner stopped reporting (crashed, killed) or let it go (drained). */
    private void takeOver() {
        try {
            if (store == null || !store.loaded() || stopping.isStopping()) {
                return;
            }
            long now = System.currentTimeMillis();
            for (RedriveState s : ops.values()) {
                if (runs.size() >= Math.max(1, settings.maxRunning())) {
                    return;
                }
                boolean stale = s.heartbeatMs() == 0 || now - s.heartbeatMs() > settings.lease().toMillis();
                if (!s.finished() && stale && !runs.containsKey(s.id())) {
                    LOG.infof("redrive %s of route %s: its runner %s has not reported for %d ms; taking it over", s.id(),
                            s.route(), s.owner(), s.heartbeatMs() == 0 ? 0 : now - s.heartbeatMs());
                    write(s.claimedBy(me, now));
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("redrive take-over check failed: %s", e.toString());
        }
    }

    /** Keeps the topic (and every replica's memory) to the last {@link #MAX_FINISHED} finished redrives. */
    private void forgetOld() {
        List<RedriveState> finished = new ArrayList<>();
        for (RedriveState s : ops.values()) {
            if (s.finished()) {
                finished.add(s);
            }
        }
        if (finished.size() <= MAX_FINISHED) {
            return;
        }
        finished.sort(Comparator.comparingLong(RedriveState::updatedMs));
        Set<String> drop = new HashSet<>();
        for (int i = 0; i < finished.size() - MAX_FINISHED; i++) {
            drop.add(finished.get(i).id());
        }
        for (String id : drop) {
            ops.remove(id);
        }
        ticker.execute(() -> drop.forEach(id -> {
            try {
                store.write("op/" + id, null);
                store.write("cancel/" + id, null);
            } catch (RuntimeException e) {
                LOG.debugf("old redrive %s not deleted: %s", id, e.getMessage());
            }
        }));
    }

    @PreDestroy
    void stop() {
        if (pool == null) {
            return;
        }
        closing = true;
        ticker.shutdownNow();
        pool.shutdown();
        try {
            // runs see the drain (Stopping) and write where they got to, letting go
            if (!pool.awaitTermination(8, TimeUnit.SECONDS)) {
                runs.values().forEach(RedriveRun::fence);
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
