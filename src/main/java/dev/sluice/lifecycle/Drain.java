package dev.sluice.lifecycle;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceSettings;
import dev.sluice.intake.Intake;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Shutdown (SIGTERM, Ctrl-C): readiness goes DOWN, the intake stops taking records, and records in
 * flight get until the drain timeout to finish before the Kafka connector commits and closes.
 * Whatever is unfinished then is not committed, so it is redelivered: duplicates, never losses.
 */
@ApplicationScoped
public class Drain {
    private static final Logger LOG = Logger.getLogger(Drain.class);

    private final Intake intake;
    private final Duration timeout;
    private volatile boolean draining;

    Drain(Intake intake, SluiceSettings settings) {
        this.intake = intake;
        this.timeout = settings.drainTimeout();
    }

    void onShutdown(@Observes ShutdownEvent event) throws InterruptedException {
        draining = true;
        intake.stopTaking();
        long started = System.nanoTime();
        int before = intake.inFlight();
        int left = intake.awaitIdle(timeout);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        if (left == 0) {
            LOG.infof("drain: %d in-flight records finished in %d ms", before, tookMs);
        } else {
            LOG.warnf("drain: %d records still in flight after %d ms; they are not committed and will be redelivered",
                    left, tookMs);
        }
    }

    public boolean draining() {
        return draining;
    }
}
