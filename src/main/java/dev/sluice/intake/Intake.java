package dev.sluice.intake;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Flow;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.sluice.config.Channels;
import dev.sluice.config.ConfigTopic;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.SluiceSettings;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Progress;
import dev.sluice.schedule.Dispatcher;
import dev.sluice.schedule.InFlightLimit;
import dev.sluice.schedule.Lanes;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Takes records from the Kafka connector into the pipeline as fast as the global in-flight limit
 * allows. The connector's demand is open: records wait in {@link Staging} here (per partition, in
 * offset order) and one starts for each free global permit, round robin over the partitions not
 * held back for their lanes, so a long run of one partition's records cannot take the budget the
 * other partitions need. What is received and not started (in the connector's queue or in
 * staging) is bounded by {@link PartitionPressure}, which pauses the consumer inside each poll.
 */
@ApplicationScoped
public class Intake implements Flow.Subscriber<Message<byte[]>> {
    private static final Logger LOG = Logger.getLogger(Intake.class);

    private final Multi<Message<byte[]>> records;
    private final Dispatcher dispatcher;
    private final ConfigTopic configTopic;
    private final TopicSubscription topics;
    private final Set<String> startupTopics;
    private final InFlightLimit global;
    /** Slots of records parked behind ordering lanes, on top of the global limit. */
    private final InFlightLimit parked;
    private final Progress progress;
    private final Revocations revocations;
    private final PartitionPressure pressure;
    /** Serialises starting staged records: permits free up on any thread. */
    private final SerialPump pump = new SerialPump(this::startStaged, t -> fail("starting received records failed", t));

    /** Records received and not started; bounded by pausing the consumer (see class doc). */
    private final Staging staged = new Staging();
    private volatile Flow.Subscription subscription;
    private volatile boolean stopped;
    private volatile Throwable failure;
    private volatile long appliedVersion;

    Intake(@Channel(Channels.INTAKE) Multi<Message<byte[]>> records, Dispatcher dispatcher, CurrentConfig config,
            ConfigTopic configTopic, TopicSubscription topics, Progress progress, SluiceSettings settings,
            Revocations revocations, PartitionPressure pressure,
            @ConfigProperty(name = Channels.INTAKE_PROPERTIES + "topics") List<String> startupTopics) {
        this.pressure = pressure;
        // a partition no longer held back for its lanes: its staged records may start
        pressure.onRelease(this::pump);
        // pausing is what bounds the intake: if it fails, say so loudly rather than grow or stall
        pressure.onFailure(t -> fail("pausing or resuming partitions failed", t));
        this.progress = progress;
        this.revocations = revocations;
        this.records = records;
        this.configTopic = configTopic;
        this.topics = topics;
        this.startupTopics = Set.copyOf(startupTopics);
        this.dispatcher = dispatcher;
        this.global = new InFlightLimit(config.get().maxInFlight(), 0);
        this.parked = new InFlightLimit(settings.maxWaiting(), 0);
        // a new global limit applies at once: growth starts more staged records, shrinking waits
        config.changes().subscribe().with(v -> {
            global.resize(v.value().maxInFlight());
            appliedVersion = v.version();
            pump();
        });
    }

    void start(@Observes StartupEvent event) {
        // no record before the config is known: the topic may hold a newer one than the seed
        configTopic.loaded().thenRun(() -> records.subscribe().withSubscriber(this));
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        // the connector has subscribed to the startup topics by now; follow the config from here
        topics.start(startupTopics);
        LOG.infof("intake running, at most %d records in flight", global.limit());
        // open demand: what is received and not started is bounded by pausing (PartitionPressure)
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Message<byte[]> message) {
        progress.moved();
        Event event = toEvent(message, revocations);
        if (stopped) {
            // arrived after the drain began: not started, so not acked; the next owner of the
            // partition gets it. Starting it now would only lengthen the drain.
            pressure.started(event.topic(), event.partition());
            return;
        }
        staged.add(new Staging.Staged(message, event));
        pump();
    }

    private void start(Message<byte[]> message, Event event, InFlightLimit.Permit permit) {
        RecordBudget budget = new RecordBudget(permit);
        dispatcher.dispatch(message, event, budget)
                .subscribe().with(done -> onRecordDone(budget), failure -> onRecordDone(budget));
    }

    /**
     * What one record holds: its in-flight permit, or, once parked behind an ordering lane, a
     * parking slot instead (the permit goes back at once, so the intake takes another record).
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
                    return false; // parking full: keep the permit, the intake slows down
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

    /**
     * Starts staged records while global permits are free, round robin over the partitions that
     * are not held back for their lanes; one thread at a time.
     */
    private void pump() {
        pump.run();
    }

    private void startStaged() {
        InFlightLimit.Permit permit;
        while (!stopped && !staged.isEmpty() && (permit = global.tryAcquire()) != null) {
            Staging.Staged next = staged.next(pressure::heldBack);
            if (next == null) {
                permit.release();
                break;
            }
            pressure.started(next.event().topic(), next.event().partition());
            if (revocations.revokedSince(next.event())) {
                // its partition went to another owner since: left unacked for it
                permit.release();
                continue;
            }
            start(next.message(), next.event(), permit);
        }
    }

    /**
     * An unexpected failure inside the intake: recorded as the intake's failure, so liveness goes
     * DOWN with the reason (a restart redelivers what was not acked) instead of a silent stall.
     */
    void fail(String what, Throwable t) {
        if (failure == null) {
            failure = new IllegalStateException(what + ": " + t, t);
            LOG.errorf(t, "intake failed: %s; records not acked will be redelivered after a restart", what);
        }
    }

    @Override
    public void onError(Throwable t) {
        failure = t;
        LOG.errorf(t, "intake stopped: the Kafka channel failed; records not acked will be redelivered after a restart");
    }

    @Override
    public void onComplete() {
        stopped = true;
        LOG.info("intake completed");
    }

    /**
     * Starts no more records: the consumer is paused, staged records are let go unacked (the next
     * owner of their partitions reads them again); those started are still delivered.
     */
    public void stopTaking() {
        stopped = true;
        pressure.stop();
        staged.clear();
    }

    /** Records received and waiting for a global permit. */
    public int staged() {
        return staged.size();
    }

    /** Waits until no record is in flight or the timeout passes; returns the number still in flight. */
    public synchronized int awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long left;
        while (inFlight() > 0 && (left = deadline - System.nanoTime()) > 0) {
            wait(Math.max(1, left / 1_000_000));
        }
        return inFlight();
    }

    /** Most records parked at once ({@code sluice.max-waiting}). */
    public int maxParked() {
        return parked.limit();
    }

    /** Records parked behind ordering lanes (holding a parking slot, not an in-flight permit). */
    public int parked() {
        return parked.inFlight();
    }

    /** Records received and not yet acked or nacked. */
    public int inFlight() {
        return global.inFlight() + parked.inFlight();
    }

    public boolean running() {
        return subscription != null && failure == null && !stopped;
    }

    public Throwable failure() {
        return failure;
    }

    /** Version of the config snapshot whose global limit is in force. */
    public long appliedVersion() {
        return appliedVersion;
    }

    public InFlightLimit globalLimit() {
        return global;
    }

    @SuppressWarnings("unchecked")
    static Event toEvent(Message<byte[]> message, Revocations revocations) {
        IncomingKafkaRecordMetadata<byte[], byte[]> m = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("record without Kafka metadata"));
        // the count when the record was polled (PollGate), not now: a revocation in between must show
        int epoch = PollGate.takeEpoch(m.getHeaders(), revocations.epoch(m.getTopic(), m.getPartition()));
        return new Event(m.getTopic(), m.getPartition(), m.getOffset(), m.getTimestamp().toEpochMilli(), m.getKey(),
                message.getPayload(), m.getHeaders(), epoch);
    }
}
