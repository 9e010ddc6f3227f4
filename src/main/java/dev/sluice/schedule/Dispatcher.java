package dev.sluice.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.SluiceSettings;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.deliver.Delivery;
import dev.sluice.outcome.DeliveryResult;
import dev.sluice.outcome.RecordOutcome;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.LaneKey;
import dev.sluice.pipeline.WaitHook;
import dev.sluice.route.Router;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Takes one record from the intake to its outcome: match routes (by topic, then by their filters:
 * a route that declines the record counts it as filtered, and a record every route declines is
 * acked), deliver to each (in parallel,
 * each within its route's in-flight limit and behind earlier records of its ordering lane), then
 * settle it as {@link RecordOutcome} says (ack, leave unacked, nack; the record's whole life from
 * received to committed is drawn there). The returned Uni completes only once the record is acked,
 * let go or nacked.
 *
 * <p>Records wait in lanes and for route permits; either way the partition counts them as
 * waiting and is held back past {@code max-waiting-per-partition}, and a record of one route
 * parks (gives its admission permit back for a parking slot), so a hot key or a saturated route
 * holds at most that many records per partition it reads, and other routes keep their budget.
 * Requests on the wire are bounded apart from admission, by the wire limit all route limiters
 * share (the global max-in-flight), so a parked record sent later never exceeds it.
 */
@ApplicationScoped
public class Dispatcher implements Dispatch, ScheduleState, Redelivery {
    private final Delivery delivery;
    private final RouteResources resources;
    private volatile Plan plan;
    private final Lanes.WaitListener pressure;
    private final PartitionGate partitions;
    private final PausedRecords held;

    Dispatcher(CurrentConfig config, Delivery delivery, PartitionGate partitions, GroupShares shares, Vertx vertx,
            SluiceSettings settings, PausedRecords held) {
        this.delivery = delivery;
        this.held = held;
        this.partitions = partitions;
        this.pressure = new Lanes.WaitListener() {
            @Override
            public void waiting(LaneKey lane) {
                partitions.waiting(lane.topic(), lane.partition());
            }

            @Override
            public void doneWaiting(LaneKey lane) {
                partitions.doneWaiting(lane.topic(), lane.partition());
            }
        };
        // rate-limit waits: a Vert.x timer (milliseconds, rounded up) wakes the queue; no thread waits
        RateLimiter.Timers timers = (delayNanos, task) -> vertx.setTimer(
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999)), id -> task.run());
        this.resources = new RouteResources(System::nanoTime, timers, pressure, r -> shares.of(r.topics()), partitions,
                settings.maxWaiting());
        // a rebalance changes each route's share of a group-wide rate: applied off the polling
        // thread, so waiters let go by a larger share do not send from it
        shares.onChange(() -> vertx.runOnContext(v -> reshare()));
        // the watch emits the current snapshot at once (synchronously), then every newer one
        config.changes().subscribe().with(v -> apply(v.version(), v.value()));
    }

    /** What the dispatcher runs with: a snapshot, its version, its router and the limiter and lanes of each route. */
    private record Plan(long version, SluiceConfig config, Router router, Map<String, RouteLimiter> limiters,
            Map<String, Lanes> lanes, Map<String, RouteWaiting> waiting) {
    }

    /**
     * Switches to a new snapshot. Records already dispatched finish with the routes they matched;
     * new records use the new routes. Route limiters are updated in place, never replaced, so the
     * in-flight count, the rate-limit queue and what an adaptive limit learnt carry over:
     * shrinking waits for deliveries to finish, it cancels none.
     */
    synchronized void apply(long version, SluiceConfig next) {
        // lanes outlive snapshots too: a record already waiting keeps its place
        resources.apply(next);
        plan = new Plan(version, next, new Router(next), resources.limiters(), resources.lanes(), resources.waiting());
    }

    private synchronized void reshare() {
        if (plan != null) {
            resources.reshare(plan.config());
        }
    }

    @Override
    public long appliedVersion() {
        return plan.version();
    }

    /**
     * Dispatches a record; {@code parking} lets it give back its in-flight permit while it waits
     * behind an ordering lane (only for a record of one route: with several, the other routes may
     * be delivering it).
     */
    @Override
    public Uni<Void> dispatch(Message<byte[]> message, Event event, Lanes.Parking parking) {
        if (!held.known()) {
            // a paused route's holds are read first: without them its records would go out live
            Context context = Vertx.currentContext();
            return Uni.createFrom().completionStage(held::whenKnown)
                    .emitOn(task -> run(context, task))
                    .chain(() -> dispatch(message, event, parking));
        }
        Plan current = plan;
        List<Route> routes = current.router().match(event);
        if (routes.isEmpty()) {
            return RecordOutcome.noRoute(event);
        }
        CompletionStage<Void>[] holds = holds(routes, event);
        Router.Verdict[] verdicts = current.router().filtering() ? current.router().select(event, routes) : null;
        int taken = routes.size();
        for (int i = 0; i < routes.size(); i++) {
            if (holds != null && holds[i] != null) {
                taken--;
            } else if (verdicts != null && verdicts[i].kind() == Router.Verdict.Kind.DECLINE) {
                delivery.filtered(routes.get(i));
                taken--;
            }
        }
        if (taken == 0 && holds == null) {
            // declined by every route of its topic: done with
            return RecordOutcome.ack(message);
        }
        Lanes.Parking park = taken == 1 ? parking : Lanes.Parking.NONE;
        PermitWaits recordWaits = new PermitWaits(event.topic(), event.partition(), park);
        List<Uni<DeliveryResult>> deliveries = new ArrayList<>(routes.size());
        Context context = holds == null ? null : Vertx.currentContext();
        for (int i = 0; i < routes.size(); i++) {
            Route r = routes.get(i);
            if (holds != null && holds[i] != null) {
                // held for the paused route in Kafka: done with here once its hold is durable
                deliveries.add(Uni.createFrom().completionStage(holds[i]).emitOn(task -> run(context, task))
                        .replaceWith(DeliveryResult.HELD));
                continue;
            }
            Router.Verdict v = verdicts == null ? Router.Verdict.TAKE : verdicts[i];
            if (v.kind() == Router.Verdict.Kind.DECLINE) {
                continue;
            }
            RouteLimiter limiter = current.limiters().get(r.name());
            // counted for the route too: at its share of the waiting records its partitions are held back
            WaitHook waits = current.waiting().get(r.name()).permits(recordWaits);
            deliveries.add(switch (v.kind()) {
                case FAIL -> delivery.refuse(r, event, v.reason(), limiter, waits);
                case DEFER -> current.lanes().get(r.name()).submit(LaneKey.of(r.ordering(), event),
                        () -> decideOnWorker(r, event).chain(later -> switch (later.kind()) {
                            case DECLINE -> delivery.filtered(r);
                            case FAIL -> delivery.refuse(r, event, later.reason(), limiter, waits);
                            default -> delivery.deliver(r, event, limiter, waits);
                        }), park);
                default -> current.lanes().get(r.name()).submit(LaneKey.of(r.ordering(), event),
                        () -> delivery.deliver(r, event, limiter, waits), park);
            });
        }
        // wait for every route even when one fails, so in-flight counts stay true
        return Uni.join().all(deliveries).andCollectFailures()
                .chain(results -> RecordOutcome.settle(message, results))
                .onFailure().recoverWithUni(t -> RecordOutcome.nack(message, t));
    }

    /** Per route, the hold its record goes to (null: delivered); null when no route holds it. */
    @SuppressWarnings("unchecked")
    private CompletionStage<Void>[] holds(List<Route> routes, Event event) {
        boolean any = held.any();
        CompletionStage<Void>[] holds = null;
        for (int i = 0; i < routes.size(); i++) {
            Route r = routes.get(i);
            CompletionStage<Void> h = r.paused() || any ? held.hold(r, event) : null;
            if (h != null) {
                if (holds == null) {
                    holds = new CompletionStage[routes.size()];
                }
                holds[i] = h;
            }
        }
        return holds;
    }

    /** Runs {@code task} on the Vert.x context the record was dispatched on (at once when there was none). */
    private static void run(Context context, Runnable task) {
        if (context == null || context == Vertx.currentContext()) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    /** A deferred filter decision (a large structured value), made on a worker thread. */
    private static Uni<Router.Verdict> decideOnWorker(Route route, Event event) {
        return Uni.createFrom().item(() -> Router.decide(route, event))
                .runSubscriptionOn(task -> Infrastructure.getDefaultWorkerPool().execute(task));
    }

    /**
     * A record waiting for a route permit (its route is at its in-flight limit, or a degraded
     * route's permits are all held) counts as waiting on its partition, as behind a lane: at
     * {@code max-waiting-per-partition} the partition is held back, and its staged records wait
     * without taking global permits. And it parks (a record of one route): its admission permit
     * goes back for a parking slot, so a saturated route's waiters leave the global budget to the
     * other routes. Sent later, it takes a wire permit like every request, so requests on the
     * wire stay within {@code max-in-flight} (DeliveryPipelineIT.globalLimitCapsAllRoutesTogether).
     * Shared by the record's routes: each wait is told once and ends once (InFlightLimit).
     */
    private final class PermitWaits implements WaitHook {
        private final String topic;
        private final int partition;
        private final Lanes.Parking parking;

        PermitWaits(String topic, int partition, Lanes.Parking parking) {
            this.topic = topic;
            this.partition = partition;
            this.parking = parking;
        }

        @Override
        public void queued() {
            parking.park();
        }

        @Override
        public void waiting() {
            partitions.waiting(topic, partition);
        }

        @Override
        public void doneWaiting() {
            partitions.doneWaiting(topic, partition);
        }
    }

    @Override
    public int requestsOnWire() {
        return resources.wire().inFlight();
    }

    @Override
    public int waitingForWire() {
        return resources.wire().waiting();
    }

    @Override
    public int mostOnWire() {
        return resources.wire().maxObserved();
    }

    @Override
    public RouteState route(String name) {
        Plan current = plan;
        RouteLimiter limiter = current.limiters().get(name);
        Lanes lanes = current.lanes().get(name);
        return limiter == null || lanes == null ? null : new RouteView(limiter.inFlightLimit(), limiter::waitingForRate, lanes, limiter::share);
    }

    @Override
    public Uni<DeliveryResult> redeliver(String route, Event event) {
        Plan current = plan;
        RouteLimiter limiter = current.limiters().get(route);
        Route r = find(current.config(), route);
        if (r == null || limiter == null) {
            return Uni.createFrom().failure(new Redelivery.NoSuchRoute(route));
        }
        return delivery.deliver(r, event, limiter, WaitHook.NONE);
    }

    @Override
    public Uni<DeliveryResult> replay(String route, Event event) {
        Plan current = plan;
        RouteLimiter limiter = current.limiters().get(route);
        Route r = find(current.config(), route);
        if (r == null || limiter == null) {
            return Uni.createFrom().failure(new Redelivery.NoSuchRoute(route));
        }
        Router.Verdict v = Router.decide(r, event);
        return switch (v.kind()) {
            case DECLINE -> delivery.filtered(r);
            case FAIL -> delivery.refuse(r, event, v.reason(), limiter, WaitHook.NONE);
            default -> delivery.deliver(r, event, limiter, WaitHook.NONE);
        };
    }

    @Override
    public boolean paused(String route) {
        Route r = find(plan.config(), route);
        return r != null && r.paused();
    }

    private static Route find(SluiceConfig config, String name) {
        for (Route r : config.routes()) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }
}
