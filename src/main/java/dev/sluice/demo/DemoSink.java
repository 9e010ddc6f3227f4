package dev.sluice.demo;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import io.quarkus.arc.profile.IfBuildProfile;

/**
 * Dev mode only: a stand-in downstream service for the demo route. It accepts orders and turns
 * away "demo.order.rejected" events with 400, so the dead-letter path is visible too.
 */
@Path("/demo/sink")
@IfBuildProfile("dev")
public class DemoSink {
    private static final Logger LOG = Logger.getLogger(DemoSink.class);
    private final AtomicLong received = new AtomicLong();

    @POST
    public Response receive(byte[] body, @HeaderParam("ce-type") String type, @HeaderParam("ce-id") String id,
            @HeaderParam("Kafka-Key") String key, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        long n = received.incrementAndGet();
        String text = new String(body, StandardCharsets.UTF_8);
        if ("demo.order.rejected".equals(type)) {
            LOG.infof("demo sink #%d: 400 for %s (ce-id %s, key %s)", n, type, id, key);
            return Response.status(400).entity("demo sink rejects " + type).build();
        }
        LOG.infof("demo sink #%d: 200 for %s (ce-id %s, key %s, idempotency-key %s): %s", n, type, id, key,
                idempotencyKey, text);
        return Response.ok().build();
    }
}
