package dev.sluice.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;

/** Set once the drain has begun: nothing new starts from then on (read by intake and delivery). */
@ApplicationScoped
public class Stopping {
    private volatile boolean stopping;

    public boolean isStopping() {
        return stopping;
    }

    void begin() {
        stopping = true;
    }
}
