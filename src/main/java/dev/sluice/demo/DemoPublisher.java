package dev.sluice.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.sluice.config.SluiceSettings;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.core.Vertx;

/**
 * Dev mode only: publishes sample CloudEvents (binary mode) to the demo topic, one every
 * {@code sluice.demo.publish-interval}, and on demand: {@code curl -X POST 'localhost:8080/demo/publish?count=100'}.
 * Every seventh order is of type "demo.order.rejected", which the demo sink refuses (dead letter).
 */
@Path("/demo/publish")
@ApplicationScoped
@IfBuildProfile("dev")
public class DemoPublisher {
    private static final Logger LOG = Logger.getLogger(DemoPublisher.class);
    private static final int MAX_COUNT = 100_000;

    private final MutinyEmitter<String> emitter;
    private final Vertx vertx;
    private final Duration interval;
    private final AtomicLong sequence = new AtomicLong();
    private long timerId = -1;

    DemoPublisher(@Channel("sluice-demo-out") MutinyEmitter<String> emitter, Vertx vertx, SluiceSettings settings) {
        this.emitter = emitter;
        this.vertx = vertx;
        this.interval = settings.demo().publishInterval();
    }

    void start(@Observes StartupEvent event) {
        if (!interval.isZero()) {
            LOG.infof("demo: publishing a sample order every %s; more with: curl -X POST 'localhost:8080/demo/publish?count=100'",
                    interval);
            timerId = vertx.setPeriodic(interval.toMillis(), id -> publishOne().subscribe().with(
                    ok -> {
                    }, t -> LOG.warnf("demo: publish failed: %s", t.toString())));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    @POST
    public Uni<Response> publish(@QueryParam("count") @DefaultValue("10") int count) {
        if (count < 1 || count > MAX_COUNT) {
            return Uni.createFrom().item(Response.status(400)
                    .entity("count: must be between 1 and " + MAX_COUNT + ", was " + count + "\n").build());
        }
        // at most 64 sends outstanding: the emitter's buffer is bounded too
        return Multi.createFrom().range(0, count)
                .onItem().transformToUni(i -> publishOne()).merge(64)
                .collect().last()
                .replaceWith(Response.accepted().entity("published " + count + " events\n").build());
    }

    private Uni<Void> publishOne() {
        long n = sequence.incrementAndGet();
        boolean rejected = n % 7 == 0;
        String type = rejected ? "demo.order.rejected" : "demo.order.created";
        String customer = "customer-" + (n % 5);
        RecordHeaders headers = new RecordHeaders();
        for (var h : List.of(
                new String[] { "ce_specversion", "1.0" },
                new String[] { "ce_id", UUID.randomUUID().toString() },
                new String[] { "ce_source", "/sluice/demo" },
                new String[] { "ce_type", type },
                new String[] { "ce_time", Instant.now().toString() },
                new String[] { "content-type", "application/json" })) {
            headers.add(h[0], h[1].getBytes(StandardCharsets.UTF_8));
        }
        String body = "{\"order\":" + n + ",\"customer\":\"" + customer + "\",\"amount\":" + (n * 37 % 500) + "}";
        Message<String> message = Message.of(body).addMetadata(
                OutgoingKafkaRecordMetadata.<String> builder().withKey(customer).withHeaders(headers).build());
        return emitter.sendMessage(message);
    }
}
