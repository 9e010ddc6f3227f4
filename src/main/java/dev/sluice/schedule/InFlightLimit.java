package dev.sluice.schedule;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import dev.sluice.pipeline.RoutePermits;
import dev.sluice.pipeline.WaitHook;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * A resizable count of in-flight work with an asynchronous acquire: nobody blocks a thread while
 * waiting. Every acquired permit must be released exactly once, whatever the outcome.
 *
 * <p>The waiter queue is bounded: callers reach it only while holding a global in-flight permit,
 * so it never holds more than the global limit; {@code maxPermitWaiters} enforces that as a hard stop.
 * Shrinking the limit never cancels anything: new permits are handed out only once the
 * in-flight count is below the new limit.
 *
 * <p>A waiter leaves its queue exactly once, under this limit's lock: granted, refused (its stop
 * signal came first, {@link #acquireUnless}) or cancelled. So a permit is either handed over or
 * never taken; none is granted to a waiter that has been refused.
 *
 * <p>Give up a wait with a stop signal ({@link #acquireUnless}), not by cancelling: a cancel that
 * lands while the granted permit travels down the subscriber's operator chain is seen by no
 * cancellation callback (the item has passed it) and the subscriber drops the item, so the permit
 * is lost. The data path never cancels an acquisition.
 *
 * <p>A {@link WaitHook} hears of a waiter that had to queue: {@code waiting} once, then
 * {@code doneWaiting} once when it leaves the queue, in that order whatever the threads (a waiter
 * granted before it was announced is announced never), so a count kept by the hook cannot drift.
 */
public final class InFlightLimit {
    private final int maxPermitWaiters;
    private final Deque<PermitWaiter> waiters = new ArrayDeque<>();
    /** Calls to {@link #servePermitWaiters} not yet seen by the thread serving; 0: nobody serves. */
    private final AtomicInteger serving = new AtomicInteger();
    private int limit;
    private int inFlight;
    private int maxObserved;

    public InFlightLimit(int limit, int maxPermitWaiters) {
        this.limit = limit;
        this.maxPermitWaiters = maxPermitWaiters;
    }

    /** Takes a permit if one is free now, else returns null. */
    public Permit tryAcquire() {
        synchronized (this) {
            if (inFlight >= limit || !waiters.isEmpty()) {
                return null;
            }
            take();
        }
        return new Permit(this);
    }

    /** Completes with a permit once one is free; waiters are served in arrival order. */
    public Uni<Permit> acquire() {
        return acquireUnless(null);
    }

    /**
     * As {@link #acquire()}, unless {@code stop} (null: never) completes while this waits: then
     * null, and nothing is taken. A free permit is granted at once whatever {@code stop} says.
     * (Racing {@code acquire()} against the signal with a first-of combinator would throw away a
     * permit granted in the instant the signal won.)
     */
    public Uni<Permit> acquireUnless(Uni<Void> stop) {
        return acquireUnless(stop, WaitHook.NONE);
    }

    /** As {@link #acquire()}; {@code hook} hears of the wait, if it has to wait. */
    public Uni<Permit> acquire(WaitHook hook) {
        return acquireUnless(null, hook);
    }

    /** As {@link #acquireUnless(Uni)}; {@code hook} hears of the wait, if it has to wait. */
    public Uni<Permit> acquireUnless(Uni<Void> stop, WaitHook hook) {
        // one waiter per subscription: re-subscribing must not share (or release) another's permit
        return Uni.createFrom().deferred(() -> {
            PermitWaiter waiter = new PermitWaiter(hook);
            return Uni.createFrom().<Permit> emitter(emitter -> enqueue(waiter, emitter, stop))
                    .onCancellation().invoke(() -> cancel(waiter));
        });
    }

    private void enqueue(PermitWaiter waiter, UniEmitter<? super Permit> emitter, Uni<Void> stop) {
        boolean queued = queue(waiter, emitter);
        if (queued && waiter.announce()) {
            waiter.hook.queued();
        }
        if (queued && stop != null) {
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

    /** Grants at once, fails, or queues the waiter; true when it was queued. */
    private boolean queue(PermitWaiter waiter, UniEmitter<? super Permit> emitter) {
        Permit granted;
        synchronized (this) {
            if (waiter.cancelled) {
                // cancelled in onSubscribe, before this ran: take nothing
                return false;
            }
            if (inFlight < limit && waiters.isEmpty()) {
                take();
                granted = new Permit(this);
                waiter.granted = granted;
            } else if (waiters.size() >= maxPermitWaiters) {
                granted = null;
            } else {
                waiter.emitter = emitter;
                waiter.queued = true;
                waiters.addLast(waiter);
                return true;
            }
        }
        if (granted != null) {
            emitter.complete(granted);
        } else {
            emitter.fail(new IllegalStateException("more than " + maxPermitWaiters + " waiters for " + limit + " permits"));
        }
        return false;
    }

    /** The waiter's stop signal fired: if it is still waiting, it leaves empty-handed. */
    private void refuse(PermitWaiter waiter) {
        synchronized (this) {
            if (!waiter.queued) {
                return; // granted or cancelled first
            }
            leave(waiter);
        }
        waiter.left();
        waiter.emitter.complete(null);
    }

    /** A cancelled waiter gives up its place; if a permit was already handed to it, it goes back. */
    private void cancel(PermitWaiter waiter) {
        Permit orphan;
        Cancellable watch;
        synchronized (this) {
            waiter.cancelled = true;
            if (waiter.queued) {
                leave(waiter);
            }
            watch = waiter.stopWatch;
            waiter.stopWatch = null;
            orphan = waiter.granted;
        }
        waiter.left();
        if (watch != null) {
            watch.cancel();
        }
        if (orphan != null) {
            orphan.release();
        }
    }

    /** Takes a waiter out of the queue. Under the lock. */
    private void leave(PermitWaiter waiter) {
        waiter.queued = false;
        waiters.remove(waiter);
    }

    /** Returns a permit and hands freed capacity to waiters. */
    void release() {
        synchronized (this) {
            inFlight--;
        }
        servePermitWaiters();
    }

    /** Changes the limit; growth serves waiters at once, shrinking waits for in-flight work to finish. */
    public void resize(int newLimit) {
        synchronized (this) {
            limit = newLimit;
        }
        servePermitWaiters();
    }

    /**
     * As {@link #resize(int)}, with the new limit read under this limit's lock: of callers racing
     * to apply a value that keeps changing (an adaptive limit), the last to get the lock applies
     * the newest, never an older one.
     */
    public void resize(IntSupplier newLimit) {
        synchronized (this) {
            limit = newLimit.getAsInt();
        }
        servePermitWaiters();
    }

    /** Acquirers waiting for a permit. */
    public synchronized int waiting() {
        return waiters.size();
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public synchronized int limit() {
        return limit;
    }

    /** Highest in-flight count seen since start. */
    public synchronized int maxObserved() {
        return maxObserved;
    }

    private void take() {
        inFlight++;
        maxObserved = Math.max(maxObserved, inFlight);
    }

    /**
     * Hands freed permits to waiters, one thread at a time (work-in-progress counting, as Mutiny's
     * operators drain). A granted waiter's continuation runs on the serving thread and often gives
     * its permit straight back (a first attempt refused once the drain began): serving again from
     * inside it would nest one call per waiter, and a few hundred waiters overflowed the stack,
     * losing the permit being handed over (DrainIT: one record in flight for the whole drain;
     * InFlightLimitTest.aCascadeOfImmediateReleasesDoesNotNest). A call while another serves only
     * makes that one loop again.
     */
    private void servePermitWaiters() {
        if (serving.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            grantWhileFree();
            missed = serving.addAndGet(-missed);
        } while (missed != 0);
    }

    private void grantWhileFree() {
        while (true) {
            PermitWaiter next;
            Permit permit;
            Cancellable watch;
            synchronized (this) {
                if (inFlight >= limit || waiters.isEmpty()) {
                    return;
                }
                next = waiters.pollFirst();
                next.queued = false;
                take();
                permit = new Permit(this);
                next.granted = permit;
                watch = next.stopWatch;
                next.stopWatch = null;
            }
            // outside the lock: the waiter's continuation may run synchronously. The watch goes
            // first, so a granted waiter leaves nothing on the stop signal.
            next.left();
            if (watch != null) {
                watch.cancel();
            }
            next.emitter.complete(permit);
        }
    }

    /** One unit of in-flight capacity; {@link #release} is idempotent. */
    public static final class Permit implements RoutePermits.Slot {
        private final InFlightLimit owner;
        private boolean released;

        Permit(InFlightLimit owner) {
            this.owner = owner;
        }

        @Override
        public void release() {
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
            }
            owner.release();
        }
    }
}
