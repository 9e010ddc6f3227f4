package dev.sluice.redrive;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import dev.sluice.outcome.DeliveryResult;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Ownership;
import dev.sluice.schedule.Redelivery;

/**
 * Runs one redrive on a thread of its own: reads its ranges of the dead-letter topic in offset
 * order, partition by partition a chunk at a time, and sends each dead letter it takes through the
 * route again ({@link Redelivery}): at most {@code window} under way, each key's in offset order
 * (a key's next waits for its previous outcome), the route's own limits on top. Every lease / 5 it
 * writes its progress: per partition the offset below which every record has its outcome. A
 * runner that takes the redrive over starts there, so what was delivered after that write is
 * delivered again: at most twice, never lost.
 */
final class RedriveRun implements Runnable {
    private static final Logger LOG = Logger.getLogger(RedriveRun.class);
    private static final int ABANDONED_RETRIES = 5;

    /** What the run needs from the redrives around it. */
    interface Context {
        DeadLetterReaders readers();

        Redelivery redelivery();

        Ownership ownership();

        boolean cancelled(String id);

        boolean stopping();

        /** The route's dead-letter topic in the config in force; null when the route is not there. */
        String deadLetterTopic(String route);

        /** Writes the state to the redrive topic (blocking, bounded). */
        void write(RedriveState state);

        void ended(RedriveRun run);

        long reportEveryMs();
    }

    private final Context context;
    private final int window;
    private volatile RedriveState state;
    private volatile boolean fenced;
    private volatile String failure;
    private final Map<Integer, TreeSet<Long>> pending = new HashMap<>();
    private final Map<Integer, Long> read = new TreeMap<>();
    private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();
    private final AtomicInteger underWay = new AtomicInteger();
    private final AtomicLong delivered;
    private final AtomicLong deadLettered;
    private final AtomicLong skipped;
    private final AtomicLong notRedrivable;
    private final Set<String> selected;
    /** Taken over: below readTo, only the offsets its last report had pending are sent again. */
    private final Map<Integer, Long> resumeBelow;
    private final Map<Integer, Set<Long>> resumePending = new HashMap<>();

    RedriveRun(RedriveState state, Context context, int window) {
        this.state = state;
        this.context = context;
        this.window = window;
        this.delivered = new AtomicLong(state.delivered());
        this.deadLettered = new AtomicLong(state.deadLettered());
        this.skipped = new AtomicLong(state.skipped());
        this.notRedrivable = new AtomicLong(state.notRedrivable());
        this.resumeBelow = state.readTo();
        state.pending().forEach((p, offsets) -> resumePending.put(p, new HashSet<>(offsets)));
        if (state.selected() == null) {
            selected = null;
        } else {
            selected = new HashSet<>();
            state.selected().forEach(po -> selected.add(po[0] + ":" + po[1]));
        }
    }

    String id() {
        return state.id();
    }

    long lease() {
        return state.lease();
    }

    /** Another replica took the redrive over: stop at once and write nothing more. */
    void fence() {
        fenced = true;
    }

    private boolean halted() {
        return fenced || failure != null || context.stopping() || context.cancelled(state.id());
    }

    @Override
    public void run() {
        try {
            runUntilEnd();
        } catch (RuntimeException e) {
            LOG.warnf("redrive %s of route %s failed: %s", state.id(), state.route(), e.toString());
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
            finish();
        } finally {
            context.ended(this);
        }
    }

    private void runUntilEnd() {
        LOG.infof("redrive %s of route %s from %s: running here (lease %d), from %s", state.id(), state.route(),
                state.deadLetterTopic(), state.lease(), state.done());
        // anyone who can write to the redrive topic could name any topic: only the route's own
        // dead-letter topic, and only the route's own dead letters in it, are ever read
        String topic = context.deadLetterTopic(state.route());
        if (topic == null) {
            throw new IllegalStateException("route " + state.route() + " is not in the config in force");
        }
        if (!topic.equals(state.deadLetterTopic())) {
            throw new IllegalStateException("route " + state.route() + " now dead-letters to " + topic + ", not "
                    + state.deadLetterTopic() + "; start a new redrive");
        }
        if (state.filter() == null || !state.route().equals(state.filter().route())) {
            throw new IllegalStateException("its filter does not name route " + state.route());
        }
        Semaphore permits = new Semaphore(window);
        long lastReport = System.nanoTime();
        try (DeadLetterReaders.Reader reader = context.readers().open()) {
            for (Map.Entry<Integer, long[]> r : state.ranges().entrySet()) {
                read.put(r.getKey(), Math.max(r.getValue()[0], state.done().getOrDefault(r.getKey(), r.getValue()[0])));
                pending.put(r.getKey(), new TreeSet<>());
            }
            reading: while (!halted()) {
                if (context.redelivery().paused(state.route())) {
                    pause(200); // a paused route takes nothing new, redriven or not
                } else {
                    Integer p = next();
                    if (p == null) {
                        break;
                    }
                    long from = read.get(p);
                    long to = Math.min(state.ranges().get(p)[1], from + DeadLetterBrowser.CHUNK);
                    List<ConsumerRecord<byte[], byte[]>> chunk = reader.read(new TopicPartition(state.deadLetterTopic(), p),
                            from, to);
                    for (ConsumerRecord<byte[], byte[]> r : chunk) {
                        DeadLetter d = DeadLetter.of(r);
                        if (taken(d)) {
                            if (d.unredrivable() != null) {
                                notRedrivable.incrementAndGet();
                            } else {
                                while (context.redelivery().paused(state.route()) && !halted()) {
                                    pause(200); // paused mid-chunk: nothing new until it resumes
                                    lastReport = report(lastReport);
                                }
                                while (!permits.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                                    if (halted()) {
                                        setRead(p, d.offset());
                                        break reading;
                                    }
                                    lastReport = report(lastReport);
                                }
                                start(d, permits);
                            }
                        }
                        setRead(p, d.offset() + 1);
                        lastReport = report(lastReport);
                    }
                    setRead(p, to);
                }
                lastReport = report(lastReport);
            }
            // wait for what it started; a drain lets go sooner (what is not done is sent again by the next runner)
            long stopBy = Long.MAX_VALUE;
            while (underWay.get() > 0 && !fenced && System.nanoTime() < stopBy) {
                if (context.stopping() && stopBy == Long.MAX_VALUE) {
                    stopBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                }
                pause(50);
                lastReport = report(lastReport);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finish();
    }

    private boolean taken(DeadLetter d) {
        Long below = resumeBelow.get(d.partition());
        if (below != null && d.offset() < below
                && !resumePending.getOrDefault(d.partition(), Set.of()).contains(d.offset())) {
            return false; // its outcome was reported before this runner took over
        }
        return (selected == null || selected.contains(d.partition() + ":" + d.offset())) && state.filter().matches(d);
    }

    /** The partition with the most left to read that is not read through; null when all are. */
    private Integer next() {
        Integer best = null;
        long left = 0;
        for (Map.Entry<Integer, long[]> r : state.ranges().entrySet()) {
            long l = r.getValue()[1] - read.get(r.getKey());
            if (l > left) {
                left = l;
                best = r.getKey();
            }
        }
        return best;
    }

    private synchronized void setRead(int p, long offset) {
        read.put(p, Math.max(read.get(p), offset));
    }

    private void start(DeadLetter d, Semaphore permits) {
        String key = d.key() == null ? "\u0000null" : java.util.Base64.getEncoder().encodeToString(d.key());
        synchronized (this) {
            pending.get(d.partition()).add(d.offset());
        }
        underWay.incrementAndGet();
        CompletableFuture<Void> mine;
        synchronized (tails) {
            CompletableFuture<Void> previous = tails.get(key);
            mine = (previous == null ? CompletableFuture.<Void> completedFuture(null) : previous)
                    .thenCompose(v -> deliver(d, 0));
            tails.put(key, mine);
        }
        CompletableFuture<Void> registered = mine;
        mine.whenComplete((v, t) -> {
            synchronized (tails) {
                tails.remove(key, registered);
            }
            underWay.decrementAndGet();
            permits.release();
        });
    }

    /** Completes normally whatever happens: the outcome is counted, or the record stays pending. */
    private CompletableFuture<Void> deliver(DeadLetter d, int abandoned) {
        if (fenced || failure != null || context.stopping() || context.cancelled(state.id())) {
            // waiting in the window, not sent: pending (the next runner sends it; a cancelled one never)
            return CompletableFuture.completedFuture(null);
        }
        Event event = d.event(context.ownership().epoch(d.sourceTopic(), d.sourcePartition()));
        return context.redelivery().redeliver(state.route(), event).subscribeAsCompletionStage()
                .handle((result, t) -> {
                    if (t != null) {
                        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                                ? t.getCause() : t;
                        failure = cause instanceof Redelivery.NoSuchRoute ? cause.getMessage()
                                : "delivery of dead letter " + d.partition() + "/" + d.offset() + " failed: " + cause;
                        return CompletableFuture.<Void> completedFuture(null);
                    }
                    if (result == DeliveryResult.ABANDONED) {
                        // a drain began, or the source partition changed hands as it started: again unless stopping
                        return abandoned < ABANDONED_RETRIES ? deliver(d, abandoned + 1)
                                : CompletableFuture.<Void> completedFuture(null);
                    }
                    switch (result) {
                        case DELIVERED -> delivered.incrementAndGet();
                        case DEAD_LETTERED -> deadLettered.incrementAndGet();
                        default -> skipped.incrementAndGet();
                    }
                    synchronized (this) {
                        pending.get(d.partition()).remove(d.offset());
                    }
                    return CompletableFuture.<Void> completedFuture(null);
                })
                .thenCompose(f -> f);
    }

    private synchronized Map<Integer, Long> done() {
        Map<Integer, Long> done = new TreeMap<>();
        read.forEach((p, at) -> {
            TreeSet<Long> left = pending.get(p);
            done.put(p, left.isEmpty() ? at : left.first());
        });
        return done;
    }

    private synchronized Map<Integer, Long> readTo() {
        return new TreeMap<>(read);
    }

    private synchronized Map<Integer, List<Long>> pendingNow() {
        Map<Integer, List<Long>> out = new TreeMap<>();
        pending.forEach((p, offsets) -> {
            if (!offsets.isEmpty()) {
                out.put(p, List.copyOf(offsets));
            }
        });
        return out;
    }

    private boolean allDone() {
        for (Map.Entry<Integer, Long> d : done().entrySet()) {
            if (d.getValue() < state.ranges().get(d.getKey())[1]) {
                return false;
            }
        }
        return true;
    }

    private long report(long last) {
        long now = System.nanoTime();
        if (now - last < TimeUnit.MILLISECONDS.toNanos(context.reportEveryMs()) || fenced) {
            return last;
        }
        write(System.currentTimeMillis());
        return now;
    }

    /** The state with what this run has done so far. */
    private RedriveState current(long heartbeat) {
        return state.progress(done(), readTo(), pendingNow(), delivered.get(), deadLettered.get(), skipped.get(),
                notRedrivable.get(), heartbeat, System.currentTimeMillis());
    }

    /** Progress with a heartbeat; 0 lets the redrive go, to be taken over at once. */
    private void write(long heartbeat) {
        state = current(heartbeat);
        try {
            context.write(state);
        } catch (RuntimeException e) {
            LOG.warnf("redrive %s: progress not written (%s); a runner that takes it over repeats more", state.id(),
                    e.getMessage());
        }
    }

    private void finish() {
        if (fenced) {
            LOG.infof("redrive %s: taken over by another replica; stopped here", state.id());
            return;
        }
        long now = System.currentTimeMillis();
        if (failure != null) {
            state = current(now).finish(RedriveState.FAILED, failure, now);
        } else if (context.cancelled(state.id())) {
            state = current(now).finish(RedriveState.CANCELLED, "cancelled", now);
        } else if (allDone()) {
            state = current(now).finish(RedriveState.DONE, null, now);
        } else {
            write(0); // stopping: let go, the next runner (this one restarted, or another replica) goes on
            LOG.infof("redrive %s: let go at %s (delivered %d, dead-lettered again %d)", state.id(), state.done(),
                    state.delivered(), state.deadLettered());
            return;
        }
        try {
            context.write(state);
            LOG.infof("redrive %s of route %s %s: delivered %d, dead-lettered again %d, not redrivable %d%s", state.id(),
                    state.route(), state.status(), state.delivered(), state.deadLettered(), state.notRedrivable(),
                    state.error() == null ? "" : " (" + state.error() + ")");
        } catch (RuntimeException e) {
            LOG.warnf("redrive %s: its end (%s) not written (%s); a replica that takes it over finishes it", state.id(),
                    state.status(), e.getMessage());
        }
    }

    RedriveState state() {
        return state;
    }

    /** On the run's own thread (sluice-redrive, a bounded pool of its own), never an event loop or worker. */
    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
