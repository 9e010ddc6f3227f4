package dev.sluice.redrive;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

import dev.sluice.outcome.DeliveryResult;
import dev.sluice.pipeline.Event;

/**
 * A resumed route catching up on the partitions it was held on, on this replica, on a thread of
 * its own: for each hold, once the group's committed offset has passed the hold's start (what was
 * taken before the pause is done), it reads the partition from the hold's progress and sends the
 * route's records through it ({@link dev.sluice.schedule.Redelivery#replay}): at most
 * {@code window} under way, each lane's in offset order. When it has read past everything the
 * intake held and all it sent is done, it hands the partition back to the intake at the offset it
 * reached (atomically with the intake's decisions) and deletes the mark. A partition that leaves
 * this replica is dropped (its new owner goes on from the last progress written); a pause or a
 * drain stops the run, with its progress written.
 */
final class CatchUp implements Runnable {
    private static final Logger LOG = Logger.getLogger(CatchUp.class);
    private static final long REPORT_EVERY_MS = 500;
    private static final long COMMITTED_EVERY_MS = 500;

    private final String route;
    private final RouteHolds holds;
    /**
     * The route's ready holds as the latest scan saw them, until the run takes them: each scan's list
     * replaces the last (it lists them all), so at most one list of at most {@link RouteHolds#MAX_HOLDS}.
     */
    private final AtomicReference<List<RouteHolds.Hold>> offered;
    /** Holds waiting for the committed offset to pass their start. */
    private final Map<TopicPartition, RouteHolds.Hold> waiting = new HashMap<>();
    /** Holds being read. */
    private final Map<TopicPartition, RouteHolds.Hold> reading = new HashMap<>();
    private final Map<TopicPartition, Integer> epochs = new HashMap<>();
    private final Map<TopicPartition, TreeSet<Long>> pending = new HashMap<>();
    /**
     * Per partition read, the group's committed offset when the reading began: what lies before it
     * was taken by an intake, this replica's or the partition's previous owner's, which held it
     * (this replica's intake never saw it, so its {@code lastSeen} does not say so). The hand-back
     * waits until the reading has passed it.
     */
    private final Map<TopicPartition, Long> mustReach = new HashMap<>();
    /** Per partition read, the offset after the last record taken. */
    private final Map<TopicPartition, Long> readTo = new HashMap<>();
    private final Map<Object, CompletableFuture<Void>> tails = new HashMap<>();
    private final AtomicInteger underWay = new AtomicInteger();
    private volatile String failure;
    private long delivered;

    CatchUp(String route, RouteHolds holds, List<RouteHolds.Hold> first) {
        this.route = route;
        this.holds = holds;
        offered = new AtomicReference<>(List.copyOf(first));
    }

    String route() {
        return route;
    }

    /** Holds the scan found for the route: those not known to the run yet are taken at its next turn. */
    void offer(List<RouteHolds.Hold> more) {
        offered.set(List.copyOf(more));
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            runWith(consumer);
        } catch (RuntimeException e) {
            LOG.warnf("route %s: catching up failed (%s); the next scan starts again from the progress written",
                    route, e.toString());
        } finally {
            holds.ended(this);
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> c = new HashMap<>(holds.kafka());
        c.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        c.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        // the group's id only to read its committed offsets: this consumer is assigned, never joins, never commits
        c.put(ConsumerConfig.GROUP_ID_CONFIG, holds.groupId());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-catch-up-" + route);
        return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void runWith(KafkaConsumer<byte[], byte[]> consumer) throws RuntimeException {
        Semaphore permits = new Semaphore(holds.window());
        long lastReport = System.nanoTime();
        long lastCommitted = 0;
        while (!holds.halted(route) && failure == null) {
            take();
            dropLost(consumer);
            if (!waiting.isEmpty() && System.nanoTime() - lastCommitted > TimeUnit.MILLISECONDS.toNanos(COMMITTED_EVERY_MS)) {
                lastCommitted = System.nanoTime();
                start(consumer);
            }
            if (reading.isEmpty()) {
                if (waiting.isEmpty() && offered.get() == null) {
                    break; // every hold of the route here is handed back
                }
                pause(100);
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                RouteHolds.Hold h = reading.get(tp);
                if (h == null || r.offset() < h.done) {
                    continue;
                }
                try {
                    while (!permits.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                        if (holds.halted(route)) {
                            break;
                        }
                        lastReport = report(lastReport);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (holds.halted(route)) {
                    break;
                }
                send(tp, r, permits);
                readTo.put(tp, r.offset() + 1);
            }
            handBack(consumer);
            lastReport = report(lastReport);
        }
        // what it started finishes; a drain lets go after 3 s (the next owner repeats what is not done)
        long stopBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(holds.halted(route) ? 3 : 30);
        while (underWay.get() > 0 && System.nanoTime() < stopBy) {
            pause(50);
        }
        writeProgress();
        if (delivered > 0 || !reading.isEmpty()) {
            String why = failure != null ? failure
                    : holds.halted(route) ? "paused again or draining" : "every partition here handed back";
            LOG.infof("route %s: catch-up done here (%s), %d records sent; holds left %s", route, why, delivered,
                    reading.keySet());
        }
    }

    private void take() {
        List<RouteHolds.Hold> latest = offered.getAndSet(null);
        if (latest == null) {
            return;
        }
        for (RouteHolds.Hold h : latest) {
            TopicPartition tp = new TopicPartition(h.topic, h.partition);
            if (!h.flipped() && !reading.containsKey(tp) && !waiting.containsKey(tp)) {
                waiting.put(tp, h);
            }
        }
    }

    /** Partitions gone from this replica since they were taken: their new owner goes on. */
    private void dropLost(KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> lost = new ArrayList<>();
        for (TopicPartition tp : reading.keySet()) {
            if (!holds.ownership().owns(tp.topic(), tp.partition())
                    || holds.ownership().epoch(tp.topic(), tp.partition()) != epochs.get(tp)) {
                lost.add(tp);
            }
        }
        waiting.keySet().removeIf(tp -> !holds.ownership().owns(tp.topic(), tp.partition()));
        if (!lost.isEmpty()) {
            writeProgress();
            lost.forEach(tp -> {
                reading.remove(tp);
                pending.remove(tp);
                readTo.remove(tp);
                mustReach.remove(tp);
            });
            consumer.assign(reading.keySet());
            LOG.infof("route %s: %s changed hands while catching up; their new owner goes on", route, lost);
        }
    }

    /** Starts reading each waiting hold whose start the group's committed offset has passed. */
    private void start(KafkaConsumer<byte[], byte[]> consumer) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(waiting.keySet()),
                Duration.ofSeconds(5));
        List<TopicPartition> ready = new ArrayList<>();
        waiting.forEach((tp, h) -> {
            // none committed yet: only a hold from the partition's first offset has nothing before it
            OffsetAndMetadata c = committed.get(tp);
            if ((c == null ? 0 : c.offset()) >= h.from) {
                ready.add(tp);
            }
        });
        if (ready.isEmpty()) {
            return;
        }
        for (TopicPartition tp : ready) {
            RouteHolds.Hold h = waiting.remove(tp);
            OffsetAndMetadata c = committed.get(tp);
            mustReach.put(tp, c == null ? 0 : c.offset());
            reading.put(tp, h);
            epochs.put(tp, holds.ownership().epoch(tp.topic(), tp.partition()));
            pending.put(tp, new TreeSet<>());
        }
        consumer.assign(reading.keySet());
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(ready, Duration.ofSeconds(5));
        for (TopicPartition tp : ready) {
            RouteHolds.Hold h = reading.get(tp);
            long first = beginning.getOrDefault(tp, 0L);
            synchronized (h) {
                if (h.done < first) {
                    LOG.warnf("route %s: %d records of %s held from offset %d were deleted by the topic's retention before "
                            + "the resume; catching up from %d", route, first - h.done, tp, h.done, first);
                    h.done = first;
                }
            }
            consumer.seek(tp, h.done);
            LOG.infof("route %s resumed: catching up on %s from offset %d (held from %d)", route, tp, h.done, h.from);
        }
    }

    private void send(TopicPartition tp, ConsumerRecord<byte[], byte[]> r, Semaphore permits) {
        synchronized (this) {
            pending.get(tp).add(r.offset());
        }
        Event event = new Event(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), r.headers(),
                epochs.get(tp));
        // each lane's records one after another: a key's, or the partition's for a null key
        Object lane = r.key() == null ? tp : List.of(tp, ByteBuffer.wrap(r.key()));
        underWay.incrementAndGet();
        CompletableFuture<Void> mine;
        synchronized (tails) {
            CompletableFuture<Void> previous = tails.get(lane);
            mine = (previous == null ? CompletableFuture.<Void> completedFuture(null) : previous)
                    .thenCompose(v -> deliver(tp, event));
            tails.put(lane, mine);
        }
        CompletableFuture<Void> registered = mine;
        mine.whenComplete((v, t) -> {
            synchronized (tails) {
                tails.remove(lane, registered);
            }
            underWay.decrementAndGet();
            permits.release();
        });
    }

    private CompletableFuture<Void> deliver(TopicPartition tp, Event event) {
        if (failure != null || holds.halted(route)) {
            return CompletableFuture.completedFuture(null); // not sent: pending, the next catch-up sends it
        }
        return holds.redelivery().replay(route, event).subscribeAsCompletionStage().handle((result, t) -> {
            if (t != null) {
                failure = "record " + event.coordinates() + " failed: " + t;
            } else if (result != DeliveryResult.ABANDONED) {
                synchronized (this) {
                    TreeSet<Long> left = pending.get(tp);
                    if (left != null) { // null: the partition changed hands meanwhile
                        left.remove(event.offset());
                    }
                    delivered++;
                }
            }
            return null;
        });
    }

    /**
     * Hands each partition read past everything the intake held back to it, once all it sent is
     * done. Ahead of the intake, it reads no further there meanwhile, so under a steady stream the
     * hand-back still comes: it waits only for what it has under way.
     */
    private void handBack(KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> back = new ArrayList<>();
        List<TopicPartition> ahead = new ArrayList<>();
        for (Map.Entry<TopicPartition, RouteHolds.Hold> e : reading.entrySet()) {
            TopicPartition tp = e.getKey();
            RouteHolds.Hold h = e.getValue();
            long position = consumer.position(tp);
            boolean idle;
            synchronized (this) {
                idle = pending.get(tp).isEmpty();
            }
            synchronized (h) {
                if (h.lastSeen >= position || position < mustReach.get(tp)) {
                    continue; // an intake has held records this run has not read yet
                }
                if (!idle) {
                    ahead.add(tp);
                    continue;
                }
                // atomic with the intake's decisions: from here it delivers the route's records itself
                h.done = Math.max(h.done, position);
                h.liveFrom = position;
                h.epochAtFlip = epochs.get(tp);
                back.add(tp);
            }
        }
        List<TopicPartition> behind = new ArrayList<>(reading.keySet());
        behind.removeAll(ahead);
        behind.removeAll(back);
        consumer.pause(ahead);
        consumer.resume(behind);
        if (back.isEmpty()) {
            return;
        }
        for (TopicPartition tp : back) {
            RouteHolds.Hold h = reading.remove(tp);
            pending.remove(tp);
            readTo.remove(tp);
            mustReach.remove(tp);
            LOG.infof("route %s caught up on %s: live again from offset %d", route, tp, h.liveFrom);
            try {
                holds.released(h);
            } catch (RuntimeException ex) {
                LOG.warnf("route %s: the hold of %s not deleted (%s); its next owner may send some again", route, tp,
                        ex.getMessage());
            }
        }
        consumer.assign(reading.keySet());
    }

    private long report(long last) {
        long now = System.nanoTime();
        if (now - last < TimeUnit.MILLISECONDS.toNanos(REPORT_EVERY_MS)) {
            return last;
        }
        writeProgress();
        return now;
    }

    /** Writes each hold's progress: the offset below which every record read has its outcome. */
    private void writeProgress() {
        for (Map.Entry<TopicPartition, RouteHolds.Hold> e : reading.entrySet()) {
            RouteHolds.Hold h = e.getValue();
            long done;
            synchronized (this) {
                TreeSet<Long> left = pending.get(e.getKey());
                long at = readTo.getOrDefault(e.getKey(), h.done);
                done = left == null || left.isEmpty() ? at : left.first();
            }
            synchronized (h) {
                h.done = Math.max(h.done, done);
            }
            try {
                holds.write(h.mark());
            } catch (RuntimeException ex) {
                LOG.warnf("route %s: catch-up progress on %s not written (%s)", route, e.getKey(), ex.getMessage());
            }
        }
    }

    /** On this run's own thread (sluice-catch-up), never an event loop or worker. */
    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
