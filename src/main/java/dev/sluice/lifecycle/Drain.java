package dev.sluice.lifecycle;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.SluiceSettings;
import dev.sluice.pipeline.Stopping;
import dev.sluice.schedule.AdmissionState;
import dev.sluice.schedule.ScheduleState;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Shutdown (SIGTERM, Ctrl-C): readiness goes DOWN, the intake stops taking records, records that
 * have not started a delivery yet are let go unacked, and deliveries under way (retries included)
 * get until the drain timeout to finish; then the Kafka connector commits what is acked and
 * closes. Whatever is unfinished is not committed, so it is redelivered: duplicates, never losses.
 */
@ApplicationScoped
public class Drain {
    private static final Logger LOG = Logger.getLogger(Drain.class);

    private final AdmissionState admission;
    private final ScheduleState schedule;
    private final CurrentConfig config;
    private final Stopping stopping;
    private final Duration timeout;
    private final Event<DrainProgress> progress;
    private volatile boolean draining;
    private volatile long deadlineNanos;

    Drain(AdmissionState admission, ScheduleState schedule, CurrentConfig config, Stopping stopping, SluiceSettings settings,
            Event<DrainProgress> progress) {
        this.progress = progress;
        this.admission = admission;
        this.schedule = schedule;
        this.config = config;
        this.stopping = stopping;
        this.timeout = settings.drainTimeout();
    }

    void onShutdown(@Observes ShutdownEvent event) throws InterruptedException {
        long started = System.nanoTime();
        deadlineNanos = started + timeout.toNanos();
        draining = true;
        // the intake stops taking records, then first attempts waiting for a route permit give up
        stopping.begin();
        int before = admission.inFlight();
        int left = before;
        report(new DrainProgress(false, before, 0, timeout.toMillis()));
        // wait in steps of a second, saying how it goes: a drain is something to watch, not a sleep
        while (left > 0 && remaining().compareTo(Duration.ZERO) > 0) {
            Duration step = remaining().compareTo(Duration.ofSeconds(1)) < 0 ? remaining() : Duration.ofSeconds(1);
            left = admission.awaitIdle(step);
            if (left > 0 && remaining().compareTo(Duration.ZERO) > 0) {
                LOG.infof("drain: %d records in flight (%s), %d ms left", left, where(), remaining().toMillis());
            }
        }
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        if (left == 0) {
            LOG.infof("drain: %d records were in flight; deliveries under way finished, those not started were let go "
                    + "unacked for the next owner, in %d ms", before, tookMs);
        } else {
            LOG.warnf("drain: %d records still in flight after %d ms (%s); they are not committed and will be redelivered",
                    left, tookMs, where());
        }
        report(new DrainProgress(true, left, tookMs, timeout.toMillis()));
    }

    /** Tells the observers (the live status stream); none of them may hold the drain up or fail it. */
    private void report(DrainProgress p) {
        try {
            progress.fire(p);
        } catch (RuntimeException e) {
            LOG.debugf(e, "drain: an observer of the drain's progress failed");
        }
    }

    /** Where the records in flight are: what an operator watching a slow drain wants to know. */
    private String where() {
        StringBuilder out = new StringBuilder();
        out.append(admission.inFlight() - admission.parked()).append(" holding in-flight permits, ").append(admission.parked())
                .append(" parked; ").append(schedule.requestsOnWire()).append(" requests on the wire, ")
                .append(schedule.waitingForWire()).append(" waiting for the wire");
        config.get().routes().forEach(r -> {
            ScheduleState.RouteState route = schedule.route(r.name());
            if (route != null) {
                out.append("; route ").append(r.name()).append(": ").append(route.inFlight()).append(" holding its permits, ")
                        .append(route.waitingForPermit()).append(" waiting for one, ").append(route.behindLanes())
                        .append(" behind lanes");
            }
        });
        return out.toString();
    }

    public boolean draining() {
        return draining;
    }

    /** Records still in flight (during a drain: what it waits for). */
    public int inFlight() {
        return admission.inFlight();
    }

    /** Time left until the drain deadline; the whole timeout before a drain began, zero after it. */
    public Duration remaining() {
        if (!draining) {
            return timeout;
        }
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }
}
