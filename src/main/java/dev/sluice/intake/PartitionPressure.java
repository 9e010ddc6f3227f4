package dev.sluice.intake;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import dev.sluice.config.SluiceSettings;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;

/**
 * Pauses a partition whose records pile up behind ordering lanes, so one hot key (or a slow
 * partition) cannot fill the global in-flight budget with records that can only go one at a
 * time: the other partitions keep flowing. Resumes it once its waiting records are down to half
 * the threshold.
 *
 * <p>The connector pauses and resumes the whole assignment for its own backpressure; its resume
 * may lift our pause. Records that still arrive from a partition over the threshold renew the
 * pause. Pausing never loses anything: a paused partition is simply not fetched.
 */
@ApplicationScoped
public class PartitionPressure {
    private static final Logger LOG = Logger.getLogger(PartitionPressure.class);
    static final String CHANNEL = "sluice-in";

    private final KafkaClientService clients;
    private final int threshold;
    /** Guarded by {@code this}. */
    private final Map<TopicPartition, int[]> waiting = new HashMap<>();
    private final Map<TopicPartition, Boolean> paused = new HashMap<>();

    PartitionPressure(KafkaClientService clients, SluiceSettings settings) {
        this.clients = clients;
        this.threshold = settings.maxWaitingPerPartition();
    }

    /** A record of this partition started waiting behind its lane. */
    public void waiting(String topic, int partition) {
        TopicPartition tp = new TopicPartition(topic, partition);
        boolean pause;
        synchronized (this) {
            int n = ++waiting.computeIfAbsent(tp, k -> new int[1])[0];
            // at the threshold, and again every 32 records after it in case a resume lifted it
            pause = n >= threshold && (n - threshold) % 32 == 0;
            if (pause) {
                paused.put(tp, Boolean.TRUE);
            }
        }
        if (pause) {
            onConsumer(tp, true);
        }
    }

    /** A record of this partition stopped waiting (its delivery started, or it was dropped). */
    public void doneWaiting(String topic, int partition) {
        TopicPartition tp = new TopicPartition(topic, partition);
        boolean resume = false;
        synchronized (this) {
            int[] n = waiting.get(tp);
            if (n == null) {
                return;
            }
            n[0]--;
            if (n[0] <= threshold / 2 && paused.remove(tp) != null) {
                resume = true;
            }
            if (n[0] <= 0) {
                waiting.remove(tp);
            }
        }
        if (resume) {
            onConsumer(tp, false);
        }
    }

    /** Partitions paused for pressure right now. */
    public synchronized int pausedCount() {
        return paused.size();
    }

    /** Records waiting behind lanes, all partitions. */
    public synchronized int waitingCount() {
        return waiting.values().stream().mapToInt(n -> n[0]).sum();
    }

    private void onConsumer(TopicPartition tp, boolean pause) {
        KafkaConsumer<Object, Object> consumer = clients.getConsumer(CHANNEL);
        if (consumer == null) {
            return;
        }
        consumer.runOnPollingThread(c -> {
            if (!c.assignment().contains(tp)) {
                return; // revoked meanwhile: nothing to pause or resume
            }
            if (pause) {
                c.pause(List.of(tp));
            } else {
                c.resume(List.of(tp));
            }
        }).subscribe().with(
                ok -> LOG.debugf("%s %s: %s records waiting behind lanes", pause ? "paused" : "resumed", tp,
                        pause ? "too many" : "few"),
                t -> LOG.warnf(t, "could not %s %s", pause ? "pause" : "resume", tp));
    }
}
