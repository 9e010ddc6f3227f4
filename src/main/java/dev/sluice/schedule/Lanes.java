package dev.sluice.schedule;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.sluice.pipeline.LaneKey;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * Ordering lanes of one route: work submitted under the same lane key runs one at a time, in
 * submission order; work under different keys runs in parallel. A lane holds at most one running
 * piece of work, so one busy key never takes more than one delivery slot however many of its
 * records wait.
 *
 * <p>Bounded: waiting work is counted and refused beyond {@code maxWaiting} (callers hold a global
 * in-flight permit for each piece, so the global limit keeps them far below it). A lane with
 * nothing running and nothing waiting is dropped at once, so memory follows the records in
 * flight, not the number of keys ever seen.
 *
 * <p>Never blocks: a lane is driven by whichever thread submits or finishes work, one thread at a
 * time per lane (a work-in-progress counter), and work that completes synchronously does not
 * recurse into the next.
 */
public final class Lanes {
    /** Told when work starts waiting behind its lane and when it stops waiting (started or skipped). */
    public interface WaitListener {
        WaitListener NONE = new WaitListener() {
            @Override
            public void waiting(LaneKey key) {
            }

            @Override
            public void doneWaiting(LaneKey key) {
            }
        };

        void waiting(LaneKey key);

        void doneWaiting(LaneKey key);
    }

    /**
     * What a piece of work can give back while it waits behind its lane (its record's in-flight
     * permit, in exchange for a parking slot). Never asked to take anything back: a parked record
     * runs on its parking slot, so starting it can never wait for capacity.
     */
    public interface Parking {
        Parking NONE = () -> false;

        /** Gives back what waiting does not need; false if it kept everything. */
        boolean park();
    }

    private final int maxWaiting;
    private final WaitListener listener;
    /** Guarded by {@code this}, as are every lane's queue and running flag. */
    private final Map<LaneKey, Lane> lanes = new HashMap<>();
    private int waiting;

    public Lanes(int maxWaiting) {
        this(maxWaiting, WaitListener.NONE);
    }

    public Lanes(int maxWaiting, WaitListener listener) {
        this.maxWaiting = maxWaiting;
        this.listener = listener;
    }

    /**
     * Runs {@code work} once everything submitted earlier under {@code key} has finished; a null
     * key means no ordering (run now). The returned Uni ends as the work does; cancelling it
     * before the work started takes it out of the lane.
     */
    public <T> Uni<T> submit(LaneKey key, Supplier<Uni<T>> work) {
        return submit(key, work, Parking.NONE);
    }

    /**
     * As {@link #submit(LaneKey, Supplier)}; work that has to wait behind its lane is offered the
     * chance to {@link Parking#park() park}.
     */
    public <T> Uni<T> submit(LaneKey key, Supplier<Uni<T>> work, Parking parking) {
        if (key == null) {
            return Uni.createFrom().deferred(work::get);
        }
        return Uni.createFrom().emitter(emitter -> {
            Pending<T> pending = new Pending<>(work, emitter);
            Lane lane;
            boolean behind = false;
            synchronized (this) {
                if (waiting >= maxWaiting) {
                    lane = null;
                } else {
                    lane = lanes.computeIfAbsent(key, Lane::new);
                    behind = lane.running || !lane.queue.isEmpty();
                    pending.counted = behind;
                    lane.queue.addLast(pending);
                    waiting++;
                }
            }
            if (lane == null) {
                emitter.fail(new IllegalStateException("more than " + maxWaiting + " records waiting in lanes"));
                return;
            }
            if (behind) {
                listener.waiting(key);
                // may run after the work started (another thread finished the lane's head): then
                // it runs on its parking slot, which is as bounded as the permit it gave back
                parking.park();
            }
            emitter.onTermination(() -> pending.cancel(this, lane));
            drive(lane);
        });
    }

    /** Lanes with work running or waiting. */
    public synchronized int laneCount() {
        return lanes.size();
    }

    /** Work waiting behind a running piece of its lane. */
    public synchronized int waiting() {
        return waiting;
    }

    private void drive(Lane lane) {
        if (lane.wip.getAndIncrement() != 0) {
            return; // another thread drives this lane; it will see our increment and loop
        }
        do {
            Pending<?> next = null;
            int stoppedWaiting = 0;
            synchronized (this) {
                if (!lane.running) {
                    while ((next = lane.queue.pollFirst()) != null) {
                        waiting--;
                        if (next.counted) {
                            stoppedWaiting++;
                        }
                        if (!next.cancelled) {
                            break;
                        }
                    }
                    if (next != null) {
                        lane.running = true;
                    } else if (lanes.get(lane.key) == lane) {
                        lanes.remove(lane.key); // idle: nothing running, nothing waiting
                    }
                }
            }
            for (int i = 0; i < stoppedWaiting; i++) {
                listener.doneWaiting(lane.key);
            }
            if (next != null) {
                next.start(this, lane);
            }
        } while (lane.wip.decrementAndGet() != 0);
    }

    private void finished(Lane lane) {
        synchronized (this) {
            lane.running = false;
        }
        drive(lane);
    }

    private static final class Lane {
        final LaneKey key;
        final ArrayDeque<Pending<?>> queue = new ArrayDeque<>();
        final AtomicInteger wip = new AtomicInteger();
        boolean running;

        Lane(LaneKey key) {
            this.key = key;
        }
    }

    private static final class Pending<T> {
        final Supplier<Uni<T>> work;
        final UniEmitter<? super T> emitter;
        final AtomicBoolean done = new AtomicBoolean();
        volatile boolean cancelled;
        volatile Cancellable running;
        /** Queued behind other work of its lane (told to the listener). */
        boolean counted;

        Pending(Supplier<Uni<T>> work, UniEmitter<? super T> emitter) {
            this.work = work;
            this.emitter = emitter;
        }

        void start(Lanes lanes, Lane lane) {
            Uni<T> uni;
            try {
                uni = work.get();
            } catch (RuntimeException e) {
                uni = Uni.createFrom().failure(e);
            }
            running = uni.subscribe().with(
                    item -> {
                        if (done.compareAndSet(false, true)) {
                            emitter.complete(item);
                            lanes.finished(lane);
                        }
                    },
                    failure -> {
                        if (done.compareAndSet(false, true)) {
                            emitter.fail(failure);
                            lanes.finished(lane);
                        }
                    });
        }

        /**
         * Called on any termination of the caller's Uni. After our own complete or fail,
         * {@code done} is already set: only a cancellation gets past it.
         */
        void cancel(Lanes lanes, Lane lane) {
            if (done.get()) {
                return;
            }
            cancelled = true; // still waiting: the lane skips it
            Cancellable r = running;
            if (r != null && done.compareAndSet(false, true)) {
                r.cancel(); // running: stop it and let the lane go on
                lanes.finished(lane);
            }
        }
    }
}
