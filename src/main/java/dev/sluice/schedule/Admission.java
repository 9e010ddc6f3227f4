package dev.sluice.schedule;

import java.time.Duration;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.SluiceSettings;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Ownership;
import dev.sluice.pipeline.Progress;

/**
 * Global admission: records received from the intake wait in {@link Staging} (per partition, in
 * offset order) and one starts for each free global in-flight permit, round robin over the
 * partitions not held back for their lanes, so a long run of one partition's records cannot take
 * the budget the other partitions need. A started record goes to the {@link Dispatch} holding
 * its permit, or, once parked (waiting behind its lane or for a route permit), a parking slot
 * instead, so the next record can start. What is received and not started is bounded by the
 * {@link PartitionGate}, which pauses the consumer.
 *
 * <pre>
 *   offer --> staged --(global permit free, partition not held back)--> started: dispatch
 *                |                                                        |  park: permit back, slot taken
 *                +-- stop (drain): let go unacked                         v
 *                                                                       done: permit or slot back
 * </pre>
 */
@ApplicationScoped
public class Admission implements AdmissionState {
    private final Dispatch dispatcher;
    private final PartitionGate partitions;
    private final Ownership ownership;
    private final Progress progress;
    private final InFlightLimit global;
    /** Slots of records parked behind ordering lanes or waiting for a route permit, on top of the global limit. */
    private final InFlightLimit parked;
    /** Serialises starting staged records: permits free up on any thread. */
    private final SerialPump pump = new SerialPump(this::startStaged, this::failed);
    /** Records received and not started; bounded by pausing the consumer (PartitionGate). */
    private final Staging staged = new Staging();
    private volatile boolean stopped;
    private volatile Consumer<Throwable> onFailure = t -> { };
    private volatile long appliedVersion;

    @Inject
    Admission(Dispatch dispatcher, PartitionGate partitions, Ownership ownership, Progress progress,
            CurrentConfig config, SluiceSettings settings) {
        this(dispatcher, partitions, ownership, progress, config.get().maxInFlight(), settings.maxWaiting());
        // the watch emits the current snapshot at once, then every newer one
        config.changes().subscribe().with(v -> apply(v.version(), v.value().maxInFlight()));
    }

    /** Admission with a fixed start: {@code maxInFlight} global permits, {@code maxParked} parking slots. */
    Admission(Dispatch dispatcher, PartitionGate partitions, Ownership ownership, Progress progress, int maxInFlight,
            int maxParked) {
        this.dispatcher = dispatcher;
        this.partitions = partitions;
        this.ownership = ownership;
        this.progress = progress;
        this.global = new InFlightLimit(maxInFlight, 0);
        this.parked = new InFlightLimit(maxParked, 0);
        // a partition no longer held back for its lanes: its staged records may start
        partitions.onRelease(this::pump);
    }

    /** A new global limit applies at once: growth starts more staged records, shrinking waits for records to finish. */
    void apply(long version, int maxInFlight) {
        global.resize(maxInFlight);
        appliedVersion = version;
        pump();
    }

    /** {@code action} hears of an unexpected failure while starting records (admission has stalled). */
    public void onFailure(Consumer<Throwable> action) {
        this.onFailure = action;
    }

    /** A record received from Kafka: staged, and started as soon as a permit is free. */
    public void offer(Message<byte[]> message, Event event) {
        if (stopped) {
            // arrived after the drain began: not started, so not acked; the next owner of the
            // partition gets it. Starting it now would only lengthen the drain.
            partitions.started(event.topic(), event.partition());
            return;
        }
        staged.add(new Staging.Staged(message, event));
        pump();
    }

    /** Starts no more records: those staged are let go unacked; those started are still delivered. */
    public void stop() {
        stopped = true;
        staged.clear();
    }

    private void start(Message<byte[]> message, Event event, InFlightLimit.Permit permit) {
        RecordBudget budget = new RecordBudget(permit);
        dispatcher.dispatch(message, event, budget)
                .subscribe().with(done -> onRecordDone(budget), failure -> onRecordDone(budget));
    }

    /**
     * What one record holds: its in-flight permit, or, once parked, a parking slot instead (the
     * permit goes back at once, so admission starts another record).
     */
    private final class RecordBudget implements Lanes.Parking {
        private InFlightLimit.Permit permit;
        private InFlightLimit.Permit slot;

        RecordBudget(InFlightLimit.Permit permit) {
            this.permit = permit;
        }

        @Override
        public boolean park() {
            InFlightLimit.Permit given;
            synchronized (this) {
                if (permit == null || slot != null) {
                    return false; // done already, or parked
                }
                slot = parked.tryAcquire();
                if (slot == null) {
                    return false; // parking full: keep the permit, admission slows down
                }
                given = permit;
                permit = null;
            }
            given.release();
            pump();
            return true;
        }

        void release() {
            InFlightLimit.Permit p;
            InFlightLimit.Permit s;
            synchronized (this) {
                p = permit;
                s = slot;
                permit = null;
                slot = null;
            }
            if (p != null) {
                p.release();
            }
            if (s != null) {
                s.release();
            }
        }
    }

    private void onRecordDone(RecordBudget budget) {
        progress.moved();
        budget.release();
        synchronized (this) {
            notifyAll();
        }
        pump();
    }

    private void pump() {
        pump.run();
    }

    /** Starts staged records while global permits are free, round robin over the partitions not held back; one thread at a time. */
    private void startStaged() {
        InFlightLimit.Permit permit;
        while (!stopped && !staged.isEmpty() && (permit = global.tryAcquire()) != null) {
            Staging.Staged next = staged.next(partitions::heldBack);
            if (next == null) {
                permit.release();
                break;
            }
            partitions.started(next.event().topic(), next.event().partition());
            if (ownership.revokedSince(next.event())) {
                // its partition went to another owner since: left unacked for it
                permit.release();
                continue;
            }
            start(next.message(), next.event(), permit);
        }
    }

    private void failed(Throwable t) {
        onFailure.accept(t);
    }

    /** Waits until no record is in flight or the timeout passes; returns the number still in flight. */
    @Override
    public synchronized int awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long left;
        while (inFlight() > 0 && (left = deadline - System.nanoTime()) > 0) {
            wait(Math.max(1, left / 1_000_000));
        }
        return inFlight();
    }

    /** Records received and waiting for a global permit. */
    @Override
    public int staged() {
        return staged.size();
    }

    /** Most records parked at once ({@code sluice.max-waiting}). */
    @Override
    public int maxParked() {
        return parked.limit();
    }

    /** Records parked (holding a parking slot, not an in-flight permit). */
    @Override
    public int parked() {
        return parked.inFlight();
    }

    /** Records started and not yet acked, let go or nacked: holding a permit or parked. */
    @Override
    public int inFlight() {
        return global.inFlight() + parked.inFlight();
    }

    @Override
    public int maxInFlight() {
        return global.limit();
    }

    @Override
    public int mostInFlight() {
        return global.maxObserved();
    }

    /** Version of the config snapshot whose global limit is in force. */
    @Override
    public long appliedVersion() {
        return appliedVersion;
    }
}
