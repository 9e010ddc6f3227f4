package dev.sluice.bench;

import org.junit.jupiter.api.Test;

/**
 * STUB, not a measurement. Planned: {@code concurrency: adaptive} against a sink that queues
 * requests above 40 concurrent (latency grows with every request over 40), reporting the limit
 * the route settles on and its throughput against the best fixed limit found by a sweep. Adaptive
 * concurrency is being built on branch {@code flow} and was not on main when this suite was
 * written, so there is nothing to measure yet; this prints that, and says so in the results.
 *
 * <p>{@code ./mvnw -B -Pbench verify -Dit.test=AdaptiveConcurrencyBench}
 */
class AdaptiveConcurrencyBench {
    @Test
    void adaptiveConcurrencyAgainstTheBestFixedLimit() {
        Report r = new Report("adaptive", "Sluice adaptive concurrency (stub)",
                "./mvnw -B -Pbench verify -Dit.test=AdaptiveConcurrencyBench");
        r.line("5 adaptive concurrency", "not measured: adaptive concurrency not on main yet");
        r.publish();
    }
}
