package dev.sluice.deliver;

import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;
import dev.sluice.outcome.AttemptOutcome;

/**
 * Where a route's records go, one attempt at a time: the contract {@link Delivery} runs its retry
 * and dead-letter state machine against, knowing nothing of the protocol. The HTTP target
 * ({@code deliver.http}) is the first; a Kafka, batched or hedged target is another CDI bean
 * implementing this, picked by {@link Targets} for the routes it {@link #serves}, and the state
 * machine does not change.
 *
 * <p>What every target guarantees:
 * <ul>
 * <li>{@link #send} never fails: whatever happens becomes an {@link AttemptOutcome} (success,
 * retriable or terminal, with a reason and, for backpressure, an optional retry-after), so the
 * caller's permits are always given back.</li>
 * <li>The route's {@code timeout} bounds the whole attempt, and an attempt that runs out of it is
 * aborted on the wire before its Uni completes: the caller's permit bounds what is really
 * outstanding at the target.</li>
 * <li>Non-blocking: it runs on the caller's thread (often an event loop) and hands any blocking
 * or CPU-heavy work to a worker.</li>
 * <li>A reason never carries a credential of the route (URL userinfo, query values, secrets): it
 * ends up in logs, spans and dead-letter headers.</li>
 * <li>The record's value and the headers it forwards are the target's to map; a record's own
 * credentials (Authorization, cookies) are never passed on.</li>
 * </ul>
 */
public interface Target {
    /** Whether this target delivers for {@code route} (e.g. by the scheme of its target URL). */
    boolean serves(Route route);

    /**
     * One attempt of {@code event} for {@code route}; {@code attemptSpan} is the attempt's trace
     * span, whose context the target passes on to the receiver when its protocol can carry it.
     */
    Uni<AttemptOutcome> send(Route route, Event event, Span attemptSpan);
}
