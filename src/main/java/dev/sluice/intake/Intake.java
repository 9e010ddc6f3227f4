package dev.sluice.intake;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.sluice.config.ConfigTopic;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.SluiceSettings;
import dev.sluice.lifecycle.Progress;
import dev.sluice.schedule.Dispatcher;
import dev.sluice.schedule.InFlightLimit;
import dev.sluice.schedule.Lanes;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Pulls records from the Kafka connector exactly as fast as the global in-flight limit allows:
 * one {@code request(1)} per free permit, so while the pipeline is full nothing is requested and
 * the connector pauses the consumer. Nothing is buffered here.
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
    /** Serialises calls to request(): Reactive Streams requires it, permits free up on any thread. */
    private final AtomicInteger pumpWip = new AtomicInteger();
    /** Permits taken for records requested but not yet received; never more than the limit. */
    private final Queue<InFlightLimit.Permit> reserved = new ConcurrentLinkedQueue<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean stopped;
    private volatile Throwable failure;
    private volatile long appliedVersion;

    Intake(@Channel("sluice-in") Multi<Message<byte[]>> records, Dispatcher dispatcher, CurrentConfig config,
            ConfigTopic configTopic, TopicSubscription topics, Progress progress, SluiceSettings settings,
            Revocations revocations,
            @ConfigProperty(name = "mp.messaging.incoming.sluice-in.topics") List<String> startupTopics) {
        this.progress = progress;
        this.revocations = revocations;
        this.records = records;
        this.configTopic = configTopic;
        this.topics = topics;
        this.startupTopics = Set.copyOf(startupTopics);
        this.dispatcher = dispatcher;
        this.global = new InFlightLimit(config.get().maxInFlight(), 0);
        this.parked = new InFlightLimit(settings.maxWaiting(), 0);
        // a new global limit applies at once: growth requests more records, shrinking waits
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
        pump();
    }

    @Override
    public void onNext(Message<byte[]> message) {
        // every record arrives against one earlier request(1), each backed by a reserved permit
        InFlightLimit.Permit permit = reserved.poll();
        progress.moved();
        if (stopped) {
            // requested before the drain began: not started, so not acked; the next owner of the
            // partition gets it. Starting it now would only lengthen the drain.
            permit.release();
            return;
        }
        Event event = toEvent(message, revocations);
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

    private void pump() {
        Flow.Subscription s = subscription;
        if (s == null || pumpWip.getAndIncrement() != 0) {
            return;
        }
        do {
            long n = 0;
            InFlightLimit.Permit permit;
            while (!stopped && (permit = global.tryAcquire()) != null) {
                reserved.add(permit);
                n++;
            }
            if (n > 0) {
                s.request(n);
            }
        } while (pumpWip.decrementAndGet() != 0);
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

    /** Stops requesting records; those already requested are still delivered. */
    public void stopTaking() {
        stopped = true;
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
        return Math.max(0, global.inFlight() - reserved.size()) + parked.inFlight();
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
        return new Event(m.getTopic(), m.getPartition(), m.getOffset(), m.getTimestamp().toEpochMilli(), m.getKey(),
                message.getPayload(), m.getHeaders(), revocations.epoch(m.getTopic(), m.getPartition()));
    }
}
