package dev.sluice.schedule;

import dev.sluice.pipeline.PartitionShare;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;

import dev.sluice.config.RateLimit;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * A route's rate limit: each attempt takes a token ({@link TokenBucket}) right before it is sent.
 * Without a token it waits, in arrival order, holding no thread: a timer wakes the queue when the
 * next token is due, and a wake that finds none (a timer firing early) sets the next one. Tokens
 * do not pile up while attempts wait: a backlog goes out at the rate, the burst is only for
 * attempts that find nobody waiting. Off (per-second 0) it lets everything through at once.
 *
 * <p>Bounded: a waiter already holds its record's global in-flight permit and its route permit,
 * so the waiters of a route never outnumber the route's limit; {@code maxWaiters} is the hard stop.
 * The rate can change at run time: waiters are served at the new rate from then on, and turning
 * the limit off lets them all go.
 */
public final class RateLimiter {

    /** Runs a task after a delay without blocking a thread (Vert.x timers in the service, a manual clock in tests). */
    @FunctionalInterface
    public interface Timers {
        void schedule(long delayNanos, Runnable task);
    }

    private final int maxWaiters;
    private final LongSupplier clock;
    private final Timers timers;
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    /** Null while the rate limit is off. */
    private TokenBucket bucket;
    private RateLimit rate;
    /** This replica's share of a group-wide limit; ignored by a limit per replica. */
    private PartitionShare share = PartitionShare.ALL;
    /** Clock time of the earliest timer set and not yet fired; Long.MAX_VALUE when none is. */
    private long wakeAt = Long.MAX_VALUE;

    public RateLimiter(RateLimit rate, int maxWaiters, LongSupplier nanoClock, Timers timers) {
        this.maxWaiters = maxWaiters;
        this.clock = nanoClock;
        this.timers = timers;
        this.rate = rate;
        this.bucket = rate.enabled() ? bucket(rate, share) : null;
    }

    private TokenBucket bucket(RateLimit r, PartitionShare s) {
        PartitionShare mine = r.groupWide() ? s : PartitionShare.ALL;
        return new TokenBucket(mine.milliPerSecond(r), mine.milliBurst(r), clock);
    }

    /** Completes once this attempt may go out; cancelling it gives up its place in the queue. */
    public Uni<Void> take() {
        return takeUnless(null).replaceWithVoid();
    }

    /**
     * True once this attempt may go out; false, without a token, if {@code stop} (null: never)
     * completes while it waits. Which of the two is decided under this limiter's lock, as the
     * tokens are handed out.
     */
    public Uni<Boolean> takeUnless(Uni<Void> stop) {
        return Uni.createFrom().deferred(() -> {
            Waiter waiter = new Waiter();
            return Uni.createFrom().<Boolean> emitter(emitter -> enqueue(waiter, emitter, stop))
                    .onCancellation().invoke(() -> cancel(waiter));
        });
    }

    private void enqueue(Waiter waiter, UniEmitter<? super Boolean> emitter, Uni<Void> stop) {
        if (queue(waiter, emitter) && stop != null) {
            // subscribed outside the lock: a signal that has fired already refuses at once
            Cancellable watch = stop.subscribe().with(ignored -> refuse(waiter));
            boolean decided;
            synchronized (this) {
                decided = !waiter.queued;
                if (!decided) {
                    waiter.stopWatch = watch;
                }
            }
            if (decided) {
                watch.cancel();
            }
        }
    }

    /** Lets the waiter go at once, fails it, or queues it; true when it was queued. */
    private boolean queue(Waiter waiter, UniEmitter<? super Boolean> emitter) {
        boolean now;
        synchronized (this) {
            if (waiter.cancelled) {
                return false;
            }
            if (bucket == null || (waiters.isEmpty() && bucket.tryTake())) {
                now = true;
            } else if (waiters.size() >= maxWaiters) {
                now = false;
            } else {
                waiter.emitter = emitter;
                waiter.queued = true;
                waiters.addLast(waiter);
                armTimer();
                return true;
            }
        }
        if (now) {
            emitter.complete(true);
        } else {
            emitter.fail(new IllegalStateException("more than " + maxWaiters + " attempts waiting for the rate limit"));
        }
        return false;
    }

    /** The waiter's stop signal fired: if it is still waiting, it leaves without a token. */
    private void refuse(Waiter waiter) {
        synchronized (this) {
            if (!waiter.queued) {
                return; // let go or cancelled first
            }
            waiter.queued = false;
            waiters.remove(waiter);
        }
        waiter.emitter.complete(false);
    }

    private void cancel(Waiter waiter) {
        Cancellable watch;
        synchronized (this) {
            waiter.cancelled = true;
            waiter.queued = false;
            waiters.remove(waiter);
            watch = waiter.stopWatch;
            waiter.stopWatch = null;
        }
        if (watch != null) {
            watch.cancel();
        }
    }

    /** A new rate from now on (a live config change), at the share last given. */
    public void reconfigure(RateLimit next) {
        reconfigure(next, null);
    }

    /** A new share of a group-wide rate from now on (a rebalance), at the rate last given. */
    public void reshare(PartitionShare nextShare) {
        reconfigure(null, nextShare);
    }

    /**
     * A new rate, or a new share of a group-wide one (a rebalance), from now on (null: as before).
     * Waiters are served at the new rate; the tokens there are stay, up to the new burst.
     */
    public void reconfigure(RateLimit nextRate, PartitionShare nextShare) {
        List<Go> go;
        synchronized (this) {
            RateLimit next = nextRate == null ? rate : nextRate;
            rate = next;
            share = nextShare == null ? share : nextShare;
            PartitionShare mine = next.groupWide() ? share : PartitionShare.ALL;
            if (!next.enabled()) {
                bucket = null;
            } else if (bucket == null) {
                bucket = bucket(next, share);
            } else {
                bucket.reconfigure(mine.milliPerSecond(next), mine.milliBurst(next));
            }
            go = grantable();
            // a faster rate may make the next token due before the timer already set
            armTimer();
        }
        letGo(go);
    }

    private void wake() {
        List<Go> go;
        synchronized (this) {
            wakeAt = Long.MAX_VALUE;
            if (bucket != null && !waiters.isEmpty()) {
                // this timer was set for one token; if it fired late (a GC pause, a busy CPU) the
                // waiters get that one now and the rest at the rate, not a burst of the pile-up
                bucket.dropPileUp();
            }
            go = grantable();
            armTimer();
        }
        // completed outside the lock: each continuation sends its request at once
        letGo(go);
    }

    /** Completes waiters taken off the queue (outside the lock), their stop watches let go first. */
    private static void letGo(List<Go> go) {
        for (Go g : go) {
            if (g.watch() != null) {
                g.watch().cancel();
            }
            g.emitter().complete(true);
        }
    }

    /** A waiter taken off the queue with a token, and the stop watch it no longer needs. */
    private record Go(UniEmitter<? super Boolean> emitter, Cancellable watch) {
    }

    /** Takes the waiters that may go now off the queue, taking a token for each. Under the lock. */
    private List<Go> grantable() {
        List<Go> go = new ArrayList<>();
        while (!waiters.isEmpty() && (bucket == null || bucket.tryTake())) {
            Waiter w = waiters.pollFirst();
            w.queued = false;
            go.add(new Go(w.emitter, w.stopWatch));
            w.stopWatch = null;
        }
        return go;
    }

    /** Sets a timer for the next token if someone waits and no earlier timer is set. Under the lock. */
    private void armTimer() {
        if (waiters.isEmpty() || bucket == null) {
            return;
        }
        long delay = Math.max(1, bucket.nanosUntilToken());
        long due = clock.getAsLong() + delay;
        if (due < wakeAt) {
            wakeAt = due;
            timers.schedule(delay, this::wake);
        }
    }

    /** Attempts waiting for a token now. */
    public synchronized int waiting() {
        return waiters.size();
    }

    public synchronized RateLimit rate() {
        return rate;
    }

    /** The share of a group-wide limit this replica was last given. */
    public synchronized PartitionShare share() {
        return share;
    }

    /** One wait for a token. Its fields are guarded by the limiter's lock. */
    private static final class Waiter {
        UniEmitter<? super Boolean> emitter;
        boolean cancelled;
        /** In the queue: neither let go, refused nor cancelled yet. */
        boolean queued;
        /** The subscription to the stop signal, cancelled once the waiter leaves the queue. */
        Cancellable stopWatch;
    }
}
