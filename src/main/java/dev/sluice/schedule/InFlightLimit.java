package dev.sluice.schedule;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.IntSupplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * A resizable count of in-flight work with an asynchronous acquire: nobody blocks a thread while
 * waiting. Every acquired permit must be released exactly once, whatever the outcome.
 *
 * <p>The waiter queue is bounded: callers reach it only while holding a global in-flight permit,
 * so it never holds more than the global limit; {@code maxWaiters} enforces that as a hard stop.
 * Shrinking the limit never cancels anything: new permits are handed out only once the
 * in-flight count is below the new limit.
 */
public final class InFlightLimit {
    private final int maxWaiters;
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private int limit;
    private int inFlight;
    private int maxObserved;

    public InFlightLimit(int limit, int maxWaiters) {
        this.limit = limit;
        this.maxWaiters = maxWaiters;
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
        // one waiter per subscription: re-subscribing must not share (or release) another's permit
        return Uni.createFrom().deferred(() -> {
            Waiter waiter = new Waiter();
            return Uni.createFrom().<Permit> emitter(emitter -> enqueue(waiter, emitter))
                    .onCancellation().invoke(() -> cancel(waiter));
        });
    }

    private void enqueue(Waiter waiter, UniEmitter<? super Permit> emitter) {
        Permit granted;
        synchronized (this) {
            if (waiter.cancelled) {
                // cancelled in onSubscribe, before this ran: take nothing
                return;
            }
            if (inFlight < limit && waiters.isEmpty()) {
                take();
                granted = new Permit(this);
                waiter.granted = granted;
            } else if (waiters.size() >= maxWaiters) {
                granted = null;
            } else {
                waiter.emitter = emitter;
                waiters.addLast(waiter);
                return;
            }
        }
        if (granted != null) {
            emitter.complete(granted);
        } else {
            emitter.fail(new IllegalStateException("more than " + maxWaiters + " waiters for " + limit + " permits"));
        }
    }

    /** A cancelled waiter gives up its place; if a permit was already handed to it, it goes back. */
    private void cancel(Waiter waiter) {
        Permit orphan;
        synchronized (this) {
            waiter.cancelled = true;
            waiters.remove(waiter);
            orphan = waiter.granted;
        }
        if (orphan != null) {
            orphan.release();
        }
    }

    /** Returns a permit and hands freed capacity to waiters. */
    void release() {
        synchronized (this) {
            inFlight--;
        }
        serveWaiters();
    }

    /** Changes the limit; growth serves waiters at once, shrinking waits for in-flight work to finish. */
    public void resize(int newLimit) {
        synchronized (this) {
            limit = newLimit;
        }
        serveWaiters();
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
        serveWaiters();
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

    private void serveWaiters() {
        while (true) {
            Waiter next;
            Permit permit;
            synchronized (this) {
                if (inFlight >= limit || waiters.isEmpty()) {
                    return;
                }
                next = waiters.pollFirst();
                take();
                permit = new Permit(this);
                next.granted = permit;
            }
            // completed outside the lock: the waiter's continuation may run synchronously
            next.emitter.complete(permit);
        }
    }

    private static final class Waiter {
        UniEmitter<? super Permit> emitter;
        Permit granted;
        boolean cancelled;
    }

    /** One unit of in-flight capacity; {@link #release} is idempotent. */
    public static final class Permit {
        private final InFlightLimit owner;
        private boolean released;

        Permit(InFlightLimit owner) {
            this.owner = owner;
        }

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
