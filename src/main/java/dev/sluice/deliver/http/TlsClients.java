package dev.sluice.deliver.http;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.TargetTls;
import dev.sluice.config.TlsFiles;
import dev.sluice.config.TlsMaterial;
import dev.sluice.outcome.AttemptOutcome;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLOptions;

/**
 * The HTTP clients of routes with {@code target.tls}: one Vert.x {@link HttpClient} per distinct
 * TLS settings (the same files: one client and one pool, whichever routes name them), with the
 * files' contents as {@link PemKeyCertOptions} and {@link PemTrustOptions} (handed over as values:
 * Vert.x reads no file). Routes without TLS files keep HttpTarget's shared client.
 *
 * <pre>
 *   attempt --> contents (TlsFiles: memory; a worker when unknown) --> client known, same contents --> exchange
 *                                                                  +-> else, on a worker: create it, or
 *                                                                      updateSSLOptions (new contents) --> exchange
 *   config change --> clients of settings no route names: retired, closed after their last exchange
 * </pre>
 *
 * New contents (a renewed certificate) apply to connections opened from then on; pooled ones
 * live out their keep-alive (60 s). Creating a client and updating its options build an SSL
 * context, so both run on a worker, never an event loop. Bounded: at most {@value #MAX_CLIENTS}
 * clients; an attempt that would need one more fails (retriable), naming the bound.
 *
 * <p>Not the Quarkus TLS registry ({@code TlsConfigurationRegistry}): its {@code register(name,
 * TlsConfiguration)} adds a named configuration that cannot be removed again (no unregister: every
 * TLS setting a PUT ever named would stay), is not validated, and its certificate reloading applies
 * only to {@code quarkus.tls.*} configurations from properties. Per-route files arriving in a PUT
 * would need our own TlsConfiguration implementation and our own reading, checking and re-reading
 * anyway, and the registry would hand back nothing the Vert.x client does not take directly.
 */
final class TlsClients {
    private static final Logger LOG = Logger.getLogger(TlsClients.class);
    /** Most TLS clients at once: two whole configs' worth of routes, each with its own files. */
    static final int MAX_CLIENTS = 2 * SluiceConfig.MAX_ROUTES;

    /** One client; its exchanges counted so that a retired one is closed after the last. */
    static final class Client {
        final HttpClient http;
        TlsMaterial applied;
        int exchanges;
        boolean retired;
        boolean closed;

        Client(HttpClient http, TlsMaterial applied) {
            this.http = http;
            this.applied = applied;
        }
    }

    private final Vertx vertx;
    private final HttpClientOptions base;
    private final TlsFiles files;
    private final Executor workers;
    private final Map<TargetTls, Client> clients = new HashMap<>();
    /** The TLS settings the current config names; null until the first config is known (nothing is retired). */
    private Set<TargetTls> inUse;

    TlsClients(Vertx vertx, HttpClientOptions base, TlsFiles files, Executor workers) {
        this.vertx = vertx;
        this.base = new HttpClientOptions(base);
        this.files = files;
        this.workers = workers;
    }

    /** One attempt through the client of {@code tls}: {@code exchange} with it, or a retriable outcome when none can be had. */
    Uni<AttemptOutcome> send(TargetTls tls, Function<HttpClient, Uni<AttemptOutcome>> exchange) {
        return files.material(tls)
                .chain(material -> client(tls, material))
                .onItemOrFailure().transformToUni((client, failure) -> failure != null
                        ? Uni.createFrom().item(AttemptOutcome.ofError("TLS files unavailable: " + shown(failure)))
                        : Uni.createFrom().deferred(() -> {
                            begin(client);
                            return exchange.apply(client.http);
                        }).onTermination().invoke(() -> end(client)));
    }

    private static String shown(Throwable t) {
        return t instanceof TlsFiles.UnavailableException || t instanceof IllegalStateException ? t.getMessage()
                : t.getClass().getSimpleName();
    }

    /** The client for these contents: at once when it exists with them, else made or updated on a worker. */
    private Uni<Client> client(TargetTls tls, TlsMaterial material) {
        synchronized (this) {
            Client c = clients.get(tls);
            if (c != null && c.applied == material) {
                return Uni.createFrom().item(c);
            }
        }
        return Uni.createFrom().item(() -> prepare(tls, material)).runSubscriptionOn(workers);
    }

    /** Blocking (an SSL context is built): the client of {@code tls} with {@code material}. */
    private synchronized Client prepare(TargetTls tls, TlsMaterial material) {
        Client c = clients.get(tls);
        if (c == null) {
            if (clients.size() >= MAX_CLIENTS) {
                throw new IllegalStateException("more than " + MAX_CLIENTS + " distinct TLS settings in use");
            }
            HttpClientOptions options = new HttpClientOptions(base);
            SSLOptions ssl = ssl(material, new SSLOptions());
            if (ssl.getKeyCertOptions() != null) {
                options.setKeyCertOptions(ssl.getKeyCertOptions());
            }
            if (ssl.getTrustOptions() != null) {
                options.setTrustOptions(ssl.getTrustOptions());
            }
            HttpClient http = vertx.createHttpClient(options);
            // TLS 1.3: a server refusing our certificate says so after the client's handshake is done; the
            // request fails with it (its outcome and the delivery log say so), and the connection, which
            // has no handler, would log it again at ERROR without a route: once is enough
            http.connectionHandler(conn -> conn.exceptionHandler(t -> LOG.debugf("TLS connection of %s: %s",
                    tls.paths().values(), t.toString())));
            c = new Client(http, material);
            // an attempt of a route the config no longer has (a retry under way): a client of its own, closed after it
            c.retired = inUse != null && !inUse.contains(tls);
            if (!c.retired) {
                clients.put(tls, c);
            }
        } else if (c.applied != material) {
            c.applied = material;
            c.http.updateSSLOptions(ssl(material, new SSLOptions())).onComplete(ar -> {
                if (ar.failed()) {
                    LOG.warnf("TLS files %s: new contents could not be applied (%s); the old ones are still used",
                            tls.paths().values(), ar.cause().getClass().getSimpleName());
                }
            });
        }
        return c;
    }

    private static SSLOptions ssl(TlsMaterial material, SSLOptions options) {
        if (material.certificate() != null) {
            options.setKeyCertOptions(new PemKeyCertOptions().addCertValue(Buffer.buffer(material.certificate()))
                    .addKeyValue(Buffer.buffer(material.key())));
        }
        if (material.ca() != null) {
            options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(material.ca())));
        }
        return options;
    }

    private synchronized void begin(Client c) {
        c.exchanges++;
    }

    private synchronized void end(Client c) {
        c.exchanges--;
        closeIfDone(c);
    }

    private void closeIfDone(Client c) {
        if (c.retired && c.exchanges == 0 && !c.closed) {
            c.closed = true;
            c.http.close();
        }
    }

    /** A new config: the clients of TLS settings no route names any more are retired, closed after their last exchange. */
    synchronized void retain(SluiceConfig config) {
        Set<TargetTls> used = new HashSet<>();
        for (Route r : config.routes()) {
            if (!r.credentials().tls().none()) {
                used.add(r.credentials().tls());
            }
        }
        inUse = used;
        for (Iterator<Map.Entry<TargetTls, Client>> it = clients.entrySet().iterator(); it.hasNext();) {
            Map.Entry<TargetTls, Client> e = it.next();
            if (!used.contains(e.getKey())) {
                it.remove();
                e.getValue().retired = true;
                closeIfDone(e.getValue());
            }
        }
    }

    /** How many clients are open and not retired: for tests. */
    synchronized int size() {
        return clients.size();
    }

    /** True when {@code tls} has a client that is not retired: for tests. */
    synchronized boolean holds(TargetTls tls) {
        return clients.containsKey(tls);
    }

    synchronized void close() {
        clients.values().forEach(c -> {
            c.closed = true;
            c.http.close();
        });
        clients.clear();
    }
}
