package dev.sluice.baseline;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.reactive.messaging.annotations.Blocking;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * What a Quarkus user writes to POST each Kafka record to an HTTP endpoint: an {@code @Incoming}
 * method, blocking on the same Vert.x web client Sluice uses, on a worker pool of its own that
 * runs up to 256 invocations at once ({@code smallrye.messaging.worker.deliveries.max-concurrency}
 * in application.properties), unordered. The record is acked when the method returns; a non-2xx
 * answer throws, which nacks it. No retry, no dead letter, no per-key order: this is the baseline
 * Sluice is compared with, not a rival.
 */
@ApplicationScoped
public class HandWrittenConsumer {
    private final WebClient client;
    private final String url;

    HandWrittenConsumer(Vertx vertx, @ConfigProperty(name = "baseline.target.url") String url) {
        this.url = url;
        // as many pooled connections as concurrent invocations, as Sluice has for its limit
        this.client = WebClient.create(vertx, new WebClientOptions().setMaxPoolSize(256).setKeepAlive(true));
    }

    @Incoming("events")
    @Blocking(value = "deliveries", ordered = false)
    public void deliver(byte[] value) {
        HttpResponse<Buffer> response = client.postAbs(url).timeout(10_000).sendBufferAndAwait(Buffer.buffer(value));
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("HTTP " + response.statusCode());
        }
    }

    @PreDestroy
    void close() {
        client.close();
    }
}
