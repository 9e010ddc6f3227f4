package dev.sluice.deliver;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.sluice.config.Expects;
import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Decides, before any delivery attempt, whether a record value may be sent to a route at all:
 * first its size against {@code max-value-bytes} (a length comparison), then the route's
 * {@code expects} check. A refused record is dead-lettered unsent ({@link Delivery}).
 *
 * <p>Records reach {@link Delivery} on the Kafka connector's Vert.x event loop, which serves every
 * other record too. Parsing is CPU work proportional to the value, so only values of at most
 * {@link #INLINE_CHECK_BYTES} are parsed there (microseconds); larger ones, up to
 * {@code max-value-bytes}, are parsed on a worker thread. The size check comes first, so no value
 * larger than the route allows is ever parsed. Checks running at once are bounded by the records
 * in flight ({@code sluice.max-in-flight}), each record being checked once per route.
 */
@ApplicationScoped
public class ValueGate {
    /** Values up to this size are checked on the calling thread; larger ones on a worker. */
    static final int INLINE_CHECK_BYTES = 64 * 1024;
    static final String TOO_LARGE = "value-too-large: ";

    private static final ValueCheck ACCEPT_ANY = event -> Optional.empty();
    /** One check per {@link Expects}, looked up once per record. */
    private static final Map<Expects, ValueCheck> CHECKS = new EnumMap<>(Map.of(
            Expects.ANY, ACCEPT_ANY,
            Expects.JSON, new JsonValueCheck(),
            Expects.CLOUDEVENTS, new CloudEventCheck()));

    private final Executor workers;

    @Inject
    ValueGate() {
        // looked up on each use: Quarkus installs its worker pool into Mutiny during startup
        this(task -> Infrastructure.getDefaultWorkerPool().execute(task));
    }

    ValueGate(Executor workers) {
        this.workers = workers;
    }

    /** Completes with the reason the event must not be sent to the route, or empty when it may be. */
    public Uni<Optional<String>> refusal(Route route, Event event) {
        int size = event.value() == null ? 0 : event.value().length;
        if (size > route.maxValueBytes()) {
            return Uni.createFrom().item(Optional.of(TOO_LARGE + size + " > " + route.maxValueBytes() + " bytes"));
        }
        ValueCheck check = CHECKS.get(route.expects());
        Uni<Optional<String>> checked = Uni.createFrom().item(() -> check.refusal(event));
        if (check != ACCEPT_ANY && size > INLINE_CHECK_BYTES) {
            checked = checked.runSubscriptionOn(workers);
        }
        // a value that breaks a check is refused like any other poison, never allowed to stop the stream
        return checked.onFailure().recoverWithItem(t -> ValueCheck.refused("value-check-failed: " + t));
    }
}
