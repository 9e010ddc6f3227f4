package dev.sluice.pipeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * Set once the drain has begun: nothing new starts from then on. The stages that take new work
 * register to stop taking it ({@link #onBegin}: the intake pauses the consumer and lets its staged
 * records go); then every subscriber of {@link #began()} is told (first attempts waiting for a
 * route permit give up). The drain, above them all, only calls {@link #begin()}.
 */
@ApplicationScoped
public class Stopping {
    /** Subscribers of {@link #began()} waiting for the drain; guarded by {@code this}. */
    private final Set<UniEmitter<? super Void>> waiting = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Told first when the drain begins, in the order registered; beans register once at startup. */
    private final List<Runnable> onBegin = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;

    /** Runs {@code stopTaking} when the drain begins, before the waiters of {@link #began()} are told. */
    public void onBegin(Runnable stopTaking) {
        onBegin.add(stopTaking);
    }

    public boolean isStopping() {
        return stopping;
    }

    /**
     * Completes when the drain begins (at once if it has). A subscriber that is cancelled first
     * leaves nothing behind: every first attempt waits on this while it waits for its route permit,
     * then cancels it. (A stage copied from one shared never-completing CompletableFuture per
     * subscriber, as here before, stays on that future's stack until it completes: MemoryBench saw
     * about 2 KB kept per delivered record, a CancellationException with its stack trace included,
     * and a 256 MiB heap full after 114,000 records.)
     */
    public Uni<Void> began() {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                if (!stopping) {
                    waiting.add(emitter);
                    // runs at once if the subscriber was cancelled already
                    emitter.onTermination(() -> leave(emitter));
                    return;
                }
            }
            emitter.complete(null);
        });
    }

    /** Subscribers of {@link #began()} still waiting (for tests). */
    synchronized int waiting() {
        return waiting.size();
    }

    private synchronized void leave(UniEmitter<? super Void> emitter) {
        waiting.remove(emitter);
    }

    public void begin() {
        List<UniEmitter<? super Void>> toComplete;
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            toComplete = new ArrayList<>(waiting);
            waiting.clear();
        }
        // outside the lock: a subscriber's continuation may run synchronously
        onBegin.forEach(Runnable::run);
        toComplete.forEach(e -> e.complete(null));
    }
}
