package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.helpers.test.AssertSubscriber;

class WatchTest {

    private static List<String> values(AssertSubscriber<Watch.Versioned<String>> s) {
        return s.getItems().stream().map(Watch.Versioned::value).toList();
    }

    @Test
    void aNewSubscriberSeesTheCurrentValueAtOnce() {
        Watch<String> watch = new Watch<>("a");
        watch.publish("b");
        AssertSubscriber<Watch.Versioned<String>> s = watch.subscribe().subscribe().withSubscriber(AssertSubscriber.create(1));
        assertEquals(List.of("b"), values(s));
        assertEquals(2, s.getItems().get(0).version());
    }

    @Test
    void theInitialValueIsEmittedWhateverItsVersion() {
        Watch<String> watch = new Watch<>("seed", 0);
        AssertSubscriber<Watch.Versioned<String>> s = watch.subscribe().subscribe().withSubscriber(AssertSubscriber.create(5));
        assertEquals(List.of("seed"), values(s));
        assertNull(watch.publishVersion(0, "same version"), "not newer: ignored");
        assertEquals(7, watch.publishVersion(7, "from offset 6").version());
        assertNull(watch.publishVersion(5, "older"), "older: ignored");
        assertEquals(List.of("seed", "from offset 6"), values(s));
    }

    @Test
    void aSubscriberWithDemandSeesEveryNewerValueInOrder() {
        Watch<String> watch = new Watch<>("a");
        AssertSubscriber<Watch.Versioned<String>> s = watch.subscribe().subscribe().withSubscriber(AssertSubscriber.create(10));
        watch.publish("b");
        watch.publish("c");
        assertEquals(List.of("a", "b", "c"), values(s));
    }

    @Test
    void aSlowSubscriberSkipsToTheLatestInsteadOfQueueing() {
        Watch<String> watch = new Watch<>("v1");
        AssertSubscriber<Watch.Versioned<String>> s = watch.subscribe().subscribe().withSubscriber(AssertSubscriber.create(1));
        for (int i = 2; i <= 1000; i++) {
            watch.publish("v" + i);
        }
        assertEquals(List.of("v1"), values(s), "no demand: nothing more delivered yet");
        s.request(1);
        assertEquals(List.of("v1", "v1000"), values(s), "then only the latest, not the 998 in between");
        s.request(5);
        assertEquals(2, s.getItems().size(), "nothing stale was queued");
        s.assertNotTerminated();
    }

    @Test
    void versionsOnlyIncreaseForEverySubscriberUnderConcurrentPublishes() throws Exception {
        Watch<Integer> watch = new Watch<>(0);
        List<AssertSubscriber<Watch.Versioned<Integer>>> subs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            subs.add(watch.subscribe().subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < 4; t++) {
            pool.submit(() -> {
                start.await();
                for (int i = 0; i < 2000; i++) {
                    watch.update(v -> v + 1);
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(8001, watch.current().version());
        assertEquals(8000, watch.current().value(), "update() is atomic: no increment lost");
        for (var s : subs) {
            long last = 0;
            for (var v : s.getItems()) {
                assertTrue(v.version() > last, "version " + v.version() + " after " + last);
                last = v.version();
            }
            assertEquals(8001, last, "every subscriber ends on the latest version");
        }
    }

    @Test
    void publishIfVersionRefusesAStaleVersion() {
        Watch<String> watch = new Watch<>("a");
        assertEquals(2, watch.publishIfVersion(1, "b").version());
        assertNull(watch.publishIfVersion(1, "c"), "version 1 is stale now");
        assertEquals("b", watch.current().value());
    }

    @Test
    void closeCompletesSubscribersAndLateSubscribersCompleteAtOnce() {
        Watch<String> watch = new Watch<>("a");
        AssertSubscriber<Watch.Versioned<String>> s = watch.subscribe().subscribe().withSubscriber(AssertSubscriber.create(5));
        watch.close();
        s.assertCompleted();
        assertEquals(0, watch.readerCount());
        watch.subscribe().subscribe().withSubscriber(AssertSubscriber.create(5)).assertCompleted().assertHasNotReceivedAnyItem();
    }

    @Test
    void cancelledSubscribersAreForgotten() {
        Watch<String> watch = new Watch<>("a");
        AssertSubscriber<Watch.Versioned<String>> s = watch.subscribe().subscribe().withSubscriber(AssertSubscriber.create(5));
        assertEquals(1, watch.readerCount());
        s.cancel();
        assertEquals(0, watch.readerCount());
        watch.publish("b");
        assertEquals(List.of("a"), values(s));
    }
}
