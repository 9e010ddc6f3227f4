package dev.sluice.schedule;

import dev.sluice.pipeline.WaitHook;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * One acquisition of an {@link InFlightLimit}. Its fields are guarded by the limit's lock (emitter
 * is set before it is queued), except {@code told}, guarded by the waiter itself.
 */
final class PermitWaiter {
    final WaitHook hook;
    /** 0: not announced, 1: announced as waiting, 2: left (told, or never to be told). */
    private int told;
    UniEmitter<? super InFlightLimit.Permit> emitter;
    InFlightLimit.Permit granted;
    boolean cancelled;
    /** In the queue: neither granted, refused nor cancelled yet. */
    boolean queued;
    /** The subscription to the stop signal, cancelled once the waiter leaves the queue. */
    Cancellable stopWatch;

    PermitWaiter(WaitHook hook) {
        this.hook = hook;
    }

    /** Tells the hook it waits, unless it has left already; true when it told. */
    synchronized boolean announce() {
        if (told == 0) {
            told = 1;
            hook.waiting();
            return true;
        }
        return false;
    }

    /** Left the queue: tells the hook if it was told of the wait; never tells it later. */
    synchronized void left() {
        int was = told;
        told = 2;
        if (was == 1) {
            hook.doneWaiting();
        }
    }
}
