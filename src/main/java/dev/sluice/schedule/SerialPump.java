package dev.sluice.schedule;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs one step at a time however many threads ask (work-in-progress counting, as Mutiny's
 * operators drain): a request while the step runs makes it run once more. A step that throws
 * would leave the counter up and the pump marked busy for good, every later request ignored: a
 * silent stall. So a failure resets it and is handed to {@code onFailure}.
 */
final class SerialPump {
    private final AtomicInteger wip = new AtomicInteger();
    private final Runnable step;
    private final Consumer<Throwable> onFailure;

    SerialPump(Runnable step, Consumer<Throwable> onFailure) {
        this.step = step;
        this.onFailure = onFailure;
    }

    void run() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        try {
            do {
                step.run();
            } while (wip.decrementAndGet() != 0);
        } catch (RuntimeException | Error e) {
            wip.set(0);
            onFailure.accept(e);
        }
    }
}
