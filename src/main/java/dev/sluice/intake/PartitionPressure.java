package dev.sluice.intake;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.sluice.config.Channels;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceSettings;
import dev.sluice.schedule.PartitionGate;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;

/**
 * Sluice decides which partitions the intake consumer fetches. With {@code T =
 * max-waiting-per-partition}, a partition is paused when
 *
 * <ul>
 * <li>T of its records wait behind its ordering lanes: it is <em>held back</em>, its records
 * already received wait in the intake's staging while other partitions' records start, so one hot
 * key, or one backlogged partition in partition mode, cannot fill the in-flight budget with records
 * that can only go one at a time. Released at T/2;</li>
 * <li>its records received and not started plus those waiting behind lanes reach
 * {@code max(T, 2 x max.poll.records)}: a burst of one partition's records is stopped at the next
 * poll, before it can fill staging. Resumed at half;</li>
 * <li>the whole assignment, while the records received and not started (in the connector's queue
 * or the intake's staging) of partitions not held back reach
 * {@code H = max(2 x max.poll.records, sluice.max-waiting)}; resumed at H/2.</li>
 * </ul>
 *
 * <p>A held-back partition is paused, so what it has received is bounded by the second rule
 * (about {@code max(T, 2 x max.poll.records)}, plus the poll that paused it), and those records
 * do not count towards the third: they may wait for as long as their route is saturated (a
 * degraded route holds its permits until its dead-letter topic comes back), and pausing the whole
 * assignment for them stopped every other route until then (SaturatedRouteIT). Records wait
 * behind a lane or for a route permit alike ({@link #waiting}).
 *
 * <p>The connector's own pause ({@code pause-if-no-requests}) is off: its resume lifted every
 * pause, ours included, and a backlogged partition came back at the head of the next poll
 * (partition mode ran one partition at a time). Pauses are applied on the polling thread inside
 * each poll ({@link PollGate}), so they hold from the very next poll; resumes go through one task
 * on the polling thread that reads the wanted state when it runs, so a pause and a resume never
 * cross. Pausing never loses anything: a paused partition is simply not fetched.
 */
@ApplicationScoped
public class PartitionPressure implements PartitionGate {
    private static final Logger LOG = Logger.getLogger(PartitionPressure.class);
    static final String CHANNEL = Channels.INTAKE;

    private final KafkaClientService clients;
    private final PauseRules rules;
    private volatile Runnable onRelease = () -> {
    };
    /** Told of a failure that would otherwise stop pausing or resuming in silence. */
    private volatile java.util.function.Consumer<Throwable> onFailure = t -> {
    };
    /** A resume task is queued on the polling thread and has not yet read the state. */
    private final AtomicBoolean applyQueued = new AtomicBoolean();
    /** The topics paused for their routes, as last applied (for the log line when it changes). */
    private volatile Set<String> pausedTopics = Set.of();

    @Inject
    PartitionPressure(KafkaClientService clients, SluiceSettings settings, CurrentConfig config,
            @ConfigProperty(name = Channels.INTAKE_PROPERTIES + "max.poll.records", defaultValue = "500") int maxPollRecords) {
        this(clients, settings, maxPollRecords);
        // the watch emits the current snapshot at once, then every newer one
        config.changes().subscribe().with(v -> pauseTopics(pausedTopics(v.value())));
    }

    PartitionPressure(KafkaClientService clients, SluiceSettings settings, int maxPollRecords) {
        this.clients = clients;
        this.rules = new PauseRules(settings.maxWaitingPerPartition(), settings.maxWaiting(), maxPollRecords);
        PollGate.install(this);
    }

    /**
     * The topics whose every route is paused ({@code paused}): their partitions are not fetched, so
     * their records wait in Kafka, and what they had received waits in staging (bounded as any
     * partition's) until a resume. The config refuses a paused route on a topic another route reads
     * and is not paused, so this is every paused route's topics.
     */
    static Set<String> pausedTopics(SluiceConfig config) {
        Set<String> paused = new HashSet<>();
        Set<String> running = new HashSet<>();
        for (Route r : config.routes()) {
            (r.paused() ? paused : running).addAll(r.topics());
        }
        paused.removeAll(running);
        return paused;
    }

    /** The topics whose routes are all paused from now on: paused on the consumer, or resumed. */
    void pauseTopics(Set<String> topics) {
        Set<String> before = pausedTopics;
        pausedTopics = Set.copyOf(topics);
        boolean released = rules.pauseTopics(topics);
        if (!before.equals(pausedTopics)) {
            LOG.infof("paused routes' topics, not fetched: %s", topics.isEmpty() ? "none" : new java.util.TreeSet<>(topics));
        }
        apply();
        if (released) {
            onRelease.run(); // the staged records of the resumed topics may start
        }
    }

    /** A record of this partition started waiting behind its lane or for a route permit. */
    @Override
    public void waiting(String topic, int partition) {
        if (rules.waiting(new TopicPartition(topic, partition))) {
            apply();
        }
    }

    /** A record of this partition stopped waiting (its delivery started, or it was dropped). */
    @Override
    public void doneWaiting(String topic, int partition) {
        PauseRules.Change change = rules.doneWaiting(new TopicPartition(topic, partition));
        if (change == PauseRules.Change.NONE) {
            return;
        }
        apply();
        if (change == PauseRules.Change.RELEASED) {
            onRelease.run(); // its staged records may start now
        }
    }

    /** A received record of this partition started (or was let go): it no longer waits to start. */
    @Override
    public void started(String topic, int partition) {
        if (rules.started(new TopicPartition(topic, partition))) {
            apply();
        }
    }

    /**
     * What a poll returned (polling thread, inside the poll, before the connector queues it):
     * counted, then every pause wanted now is applied before the next poll.
     */
    void polled(ConsumerRecords<?, ?> records) {
        try {
            pauseFor(records);
        } catch (RuntimeException e) {
            // Kafka logs an interceptor's exception and goes on: the pause would be lost in
            // silence and what is received would no longer be bounded
            onFailure.accept(e);
            throw e;
        }
    }

    private void pauseFor(ConsumerRecords<?, ?> records) {
        Map<TopicPartition, Integer> received = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            received.put(tp, records.records(tp).size());
        }
        if (!rules.polled(received)) {
            return;
        }
        KafkaConsumer<Object, Object> consumer = clients.getConsumer(CHANNEL);
        if (consumer != null) {
            Consumer<Object, Object> c = consumer.unwrap();
            c.pause(rules.wanted(c.assignment()));
        }
    }

    /** A route has its share of the waiting records, or no longer: its topics are held back, or released. */
    @Override
    public void crowded(String route, Set<String> topics, boolean crowded) {
        boolean released = rules.crowded(route, topics, crowded);
        LOG.debugf("route %s %s: topics held back for crowded routes %s", route, crowded ? "crowded" : "no longer crowded",
                rules.crowdedTopics());
        apply();
        if (released) {
            onRelease.run(); // the staged records of the released topics may start
        }
    }

    /** Stopping: the whole assignment stays paused. */
    public void stop() {
        rules.stop();
        apply();
    }

    /** True while the partition's records pile up behind their lanes: its staged records wait. */
    @Override
    public boolean heldBack(TopicPartition tp) {
        return rules.heldBack(tp);
    }

    /** Called when a partition is no longer held back for its lanes. */
    @Override
    public void onRelease(Runnable action) {
        this.onRelease = action;
    }

    /** Called when pausing or resuming failed unexpectedly: the intake is no longer bounded or may stall. */
    void onFailure(java.util.function.Consumer<Throwable> action) {
        this.onFailure = action;
    }

    /**
     * Revoked partitions (polling thread, rebalance listener): the connector drops their queued
     * records, so they no longer count.
     */
    void revoked(Collection<TopicPartition> partitions) {
        if (rules.revoked(partitions)) {
            apply();
        }
    }

    /**
     * Newly assigned partitions start unpaused: pause those the wanted state holds. Runs on the
     * polling thread (rebalance listener).
     */
    void assigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Set<TopicPartition> pause = rules.wanted(partitions);
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
    }

    /** Partitions held back for their waiting records right now. */
    public int pausedCount() {
        return rules.heldBackCount();
    }

    /** Queues one task on the polling thread that brings the consumer to the wanted state. */
    private void apply() {
        if (!applyQueued.compareAndSet(false, true)) {
            return; // the queued task has not read the state yet: it will see this change
        }
        KafkaConsumer<Object, Object> consumer = clients.getConsumer(CHANNEL);
        if (consumer == null) {
            applyQueued.set(false);
            return;
        }
        consumer.runOnPollingThread(c -> {
            applyQueued.set(false);
            Set<TopicPartition> assignment = c.assignment();
            Set<TopicPartition> pause = rules.wanted(assignment);
            Set<TopicPartition> resume = new HashSet<>(assignment);
            resume.removeAll(pause);
            c.pause(pause);
            c.resume(resume);
            return pause.size();
        }).subscribe().with(n -> LOG.debugf("partitions paused: %d of the assignment", n), t -> {
            // a task that never ran leaves the flag set: no later change would be applied
            applyQueued.set(false);
            if (rules.stopping()) {
                LOG.debugf(t, "pause or resume not applied while stopping");
            } else {
                onFailure.accept(t);
            }
        });
    }
}
