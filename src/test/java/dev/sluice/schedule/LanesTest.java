package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.sluice.pipeline.LaneKey;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.smallrye.mutiny.subscription.UniEmitter;

class LanesTest {
    /** The lane of one key of partition 0 of topic t. */
    private static LaneKey lane(String key) {
        return new LaneKey.Key("t", 0, java.nio.ByteBuffer.wrap(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }


    /** Work that finishes when the test says so. */
    private static final class Gate {
        final List<UniEmitter<? super String>> open = new CopyOnWriteArrayList<>();
        final List<String> started = new CopyOnWriteArrayList<>();

        Uni<String> work(String name) {
            return Uni.createFrom().emitter(e -> {
                started.add(name);
                open.add(e);
            });
        }

        void finishOldest() {
            open.remove(0).complete("done");
        }
    }

    @Test
    void sameKeyRunsOneAtATimeInSubmissionOrder() {
        Lanes lanes = new Lanes(100);
        Gate gate = new Gate();
        List<UniAssertSubscriber<String>> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String name = "a" + i;
            results.add(lanes.submit(lane("a"), () -> gate.work(name)).subscribe().withSubscriber(UniAssertSubscriber.create()));
        }
        assertEquals(List.of("a0"), gate.started, "only the head of the lane runs");
        assertEquals(2, lanes.waiting());
        gate.finishOldest();
        assertEquals(List.of("a0", "a1"), gate.started);
        results.get(0).assertItem("done");
        results.get(1).assertNotTerminated();
        gate.finishOldest();
        gate.finishOldest();
        assertEquals(List.of("a0", "a1", "a2"), gate.started);
        results.forEach(r -> r.assertItem("done"));
    }

    @Test
    void differentKeysRunInParallelAndAHotKeyTakesOneSlot() {
        Lanes lanes = new Lanes(1000);
        Gate gate = new Gate();
        for (int i = 0; i < 100; i++) {
            String name = "hot" + i;
            lanes.submit(lane("hot"), () -> gate.work(name)).subscribe().with(x -> { });
        }
        for (int k = 0; k < 10; k++) {
            String name = "cold" + k;
            lanes.submit(lane("cold-" + k), () -> gate.work(name)).subscribe().with(x -> { });
        }
        assertEquals(11, gate.started.size(), "one hot record and every cold key at once: " + gate.started);
        assertEquals(11, lanes.laneCount());
        assertEquals(99, lanes.waiting());
    }

    @Test
    void idleLanesAreDroppedSoMemoryDoesNotGrowWithKeys() {
        Lanes lanes = new Lanes(10);
        for (int k = 0; k < 100_000; k++) {
            lanes.submit(lane("key-" + k), () -> Uni.createFrom().item("x")).await().indefinitely();
        }
        assertEquals(0, lanes.laneCount());
        assertEquals(0, lanes.waiting());
    }

    @Test
    void aFailureEndsItsOwnWorkAndTheLaneGoesOn() {
        Lanes lanes = new Lanes(10);
        Gate gate = new Gate();
        UniAssertSubscriber<String> first = lanes.<String> submit(lane("k"), () -> Uni.createFrom().failure(new IllegalStateException("boom")))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<String> second = lanes.submit(lane("k"), () -> gate.work("second")).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        first.assertFailedWith(IllegalStateException.class, "boom");
        assertEquals(List.of("second"), gate.started);
        gate.finishOldest();
        second.assertItem("done");
        assertEquals(0, lanes.laneCount());
    }

    @Test
    void synchronousWorkDoesNotRecurseIntoTheNext() {
        Lanes lanes = new Lanes(200_000);
        Gate gate = new Gate();
        AtomicInteger ran = new AtomicInteger();
        lanes.submit(lane("k"), () -> gate.work("head")).subscribe().with(x -> { });
        for (int i = 0; i < 100_000; i++) {
            lanes.submit(lane("k"), () -> Uni.createFrom().item(ran.incrementAndGet())).subscribe().with(x -> { });
        }
        gate.finishOldest(); // 100,000 synchronous completions follow: a recursion would overflow the stack
        assertEquals(100_000, ran.get());
        assertEquals(0, lanes.laneCount());
    }

    @Test
    void aCancelledWaiterIsSkippedAndARunningOneFreesItsLane() {
        Lanes lanes = new Lanes(10);
        Gate gate = new Gate();
        UniAssertSubscriber<String> head = lanes.submit(lane("k"), () -> gate.work("head")).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<String> skipped = lanes.submit(lane("k"), () -> gate.work("skipped")).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        lanes.submit(lane("k"), () -> gate.work("last")).subscribe().with(x -> { });
        skipped.cancel();
        head.cancel();
        assertEquals(List.of("head", "last"), gate.started, "the cancelled waiter never ran; the lane went on");
    }

    @Test
    void workBehindItsLaneIsOfferedToParkAndTheListenerSeesEveryWait() {
        AtomicInteger waits = new AtomicInteger();
        AtomicInteger doneWaiting = new AtomicInteger();
        Lanes lanes = new Lanes(100, new Lanes.WaitListener() {
            @Override
            public void waiting(LaneKey key) {
                waits.incrementAndGet();
            }

            @Override
            public void doneWaiting(LaneKey key) {
                doneWaiting.incrementAndGet();
            }
        });
        AtomicInteger parked = new AtomicInteger();
        Lanes.Parking parking = () -> parked.incrementAndGet() > 0;
        Gate gate = new Gate();
        for (int i = 0; i < 4; i++) {
            String name = "k" + i;
            lanes.submit(lane("k"), () -> gate.work(name), parking).subscribe().with(x -> { });
        }
        lanes.submit(lane("other"), () -> gate.work("other"), parking).subscribe().with(x -> { });
        assertEquals(3, parked.get(), "the three behind the head park; heads never do");
        assertEquals(3, waits.get());
        assertEquals(0, doneWaiting.get());
        gate.finishOldest();
        assertEquals(1, doneWaiting.get(), "the next one stopped waiting when it started");
        while (!gate.open.isEmpty()) {
            gate.finishOldest();
        }
        assertEquals(3, doneWaiting.get());
        assertEquals(0, lanes.laneCount());
    }

    @Test
    void waitingWorkIsBounded() {
        Lanes lanes = new Lanes(2);
        Gate gate = new Gate();
        lanes.submit(lane("k"), () -> gate.work("running")).subscribe().with(x -> { });
        lanes.submit(lane("k"), () -> gate.work("w1")).subscribe().with(x -> { });
        lanes.submit(lane("k"), () -> gate.work("w2")).subscribe().with(x -> { });
        UniAssertSubscriber<String> refused = lanes.submit(lane("k"), () -> gate.work("w3")).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        refused.assertFailedWith(IllegalStateException.class, "more than 2 records waiting");
    }

    @Test
    void concurrentSubmittersKeepPerKeyOrderAndRunEverything() throws InterruptedException {
        Lanes lanes = new Lanes(1_000_000);
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        AtomicInteger overlap = new AtomicInteger();
        int threads = 4;
        int perThread = 20_000;
        List<Thread> workers = new ArrayList<>();
        AtomicInteger finished = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            String key = "key-" + t;
            Thread w = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    int seq = i;
                    lanes.submit(lane(key), () -> Uni.createFrom().item(seq)
                            .emitOn(Runnable::run)
                            .invoke(n -> {
                                if (running.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() > 1) {
                                    overlap.incrementAndGet();
                                }
                                seen.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>())).add(n);
                                running.get(key).decrementAndGet();
                            }))
                            .subscribe().with(x -> finished.incrementAndGet());
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(Duration.ofSeconds(30).toMillis());
        }
        assertEquals(threads * perThread, finished.get());
        assertEquals(0, overlap.get(), "never two at once in a lane");
        for (List<Integer> order : seen.values()) {
            for (int i = 0; i < order.size(); i++) {
                assertEquals(i, order.get(i));
            }
        }
        assertTrue(lanes.laneCount() == 0);
    }
}
