package dev.sluice.intake;

/**
 * What operations (status, health, metrics) read of the intake: whether it runs, why it failed,
 * how many partitions it holds back; never a handle that could pause, resume or stop it. The
 * drain stops it through {@link dev.sluice.pipeline.Stopping}.
 */
public interface IntakeState {
    /** Subscribed to Kafka, not failed, not stopped. */
    boolean running();

    /** What made the intake fail (liveness DOWN with it), or null. */
    Throwable failure();

    /** Partitions paused because too many of their records wait behind lanes or for route permits. */
    int partitionsHeldBack();
}
