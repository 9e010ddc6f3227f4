package dev.sluice.intake;

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
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Progress;
import dev.sluice.pipeline.Stopping;
import dev.sluice.schedule.Admission;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Takes records from the Kafka connector into the pipeline: each Kafka record becomes an
 * {@link Event} (its revocation epoch stamped at poll) and is offered to {@link Admission}, which
 * stages it and starts it under the global in-flight limit. The connector's demand is open: what
 * is received and not started (in the connector's queue or in staging) is bounded by
 * {@link PartitionPressure}, which pauses the consumer inside each poll.
 */
@ApplicationScoped
public class Intake implements Flow.Subscriber<Message<byte[]>>, IntakeState {
    private static final Logger LOG = Logger.getLogger(Intake.class);

    private final Multi<Message<byte[]>> records;
    private final Admission admission;
    private final ConfigTopic configTopic;
    private final TopicSubscription topics;
    private final Set<String> startupTopics;
    private final Progress progress;
    private final Revocations revocations;
    private final PartitionPressure pressure;
    private volatile Flow.Subscription subscription;
    private volatile boolean stopped;
    private volatile Throwable failure;

    Intake(@Channel(Channels.INTAKE) Multi<Message<byte[]>> records, Admission admission, ConfigTopic configTopic,
            TopicSubscription topics, Progress progress, Revocations revocations, PartitionPressure pressure, Stopping stopping,
            @ConfigProperty(name = Channels.INTAKE_PROPERTIES + "topics") List<String> startupTopics) {
        this.pressure = pressure;
        // pausing is what bounds the intake: if it fails, say so loudly rather than grow or stall
        pressure.onFailure(t -> fail("pausing or resuming partitions failed", t));
        admission.onFailure(t -> fail("starting received records failed", t));
        this.admission = admission;
        this.progress = progress;
        this.revocations = revocations;
        this.records = records;
        this.configTopic = configTopic;
        this.topics = topics;
        this.startupTopics = Set.copyOf(startupTopics);
        stopping.onBegin(this::stopTaking);
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
        LOG.infof("intake running, at most %d records in flight", admission.maxInFlight());
        // open demand: what is received and not started is bounded by pausing (PartitionPressure)
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Message<byte[]> message) {
        progress.moved();
        admission.offer(message, toEvent(message, revocations));
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
     * Takes no more records (the drain began): the consumer is paused, staged records are let go
     * unacked (the next owner of their partitions reads them again); those started are still delivered.
     */
    void stopTaking() {
        stopped = true;
        pressure.stop();
        admission.stop();
    }

    @Override
    public boolean running() {
        return subscription != null && failure == null && !stopped;
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public int partitionsHeldBack() {
        return pressure.pausedCount();
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
