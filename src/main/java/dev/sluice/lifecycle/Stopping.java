package dev.sluice.lifecycle;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/** Set once the drain has begun: nothing new starts from then on (read by intake and delivery). */
@ApplicationScoped
public class Stopping {
    private final CompletableFuture<Void> began = new CompletableFuture<>();

    public boolean isStopping() {
        return began.isDone();
    }

    /** Completes when the drain begins (at once if it has). */
    public Uni<Void> began() {
        // a copy per subscriber: Mutiny cancels the stage of a cancelled Uni, and that must not
        // be the shared one (it would read as "stopping" from then on)
        return Uni.createFrom().completionStage(began::copy);
    }

    void begin() {
        began.complete(null);
    }
}
