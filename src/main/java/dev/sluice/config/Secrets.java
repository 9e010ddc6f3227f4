package dev.sluice.config;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceConfig.PathStyle;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The values of the secrets routes refer to ({@link Credentials}), kept in memory so a delivery
 * on an event loop never reads a file:
 *
 * <ul>
 * <li>Read at the door: {@link #ensure} (PUT, validate) and {@link #check} (the startup
 * properties) read every secret of the config, refuse it naming the field when one cannot be
 * used, and keep the values.</li>
 * <li>Read when first needed: a replica that learns a config from the config topic reads its
 * secrets on a worker at the first delivery that needs them; a secret that cannot be read here
 * fails that attempt (retriable, the reason names the reference), and is tried again after
 * {@value #FAILED_RETRY_MS} ms.</li>
 * <li>Read again every {@code reread} (30 s): an attempt that finds a value older than that is
 * sent with it, and the secret is read again on a worker, one read per secret at a time. So a
 * rotated Kubernetes Secret (the kubelet swaps the mounted file) is sent within about a minute of
 * the kubelet's update, without a restart. A file that cannot be read any more keeps its last
 * value (a Secret being swapped, a volume remounted), with a warning.</li>
 * </ul>
 *
 * Bounded: at most {@value #MAX_ENTRIES} secrets are kept (more than 500 routes can refer to);
 * beyond that the memory is cleared and secrets are read again as they are needed. Nothing here
 * logs, shows or throws a value: messages name the reference.
 */
@ApplicationScoped
public class Secrets {
    private static final Logger LOG = Logger.getLogger(Secrets.class);
    /** How often a secret is read again. */
    static final Duration REREAD = Duration.ofSeconds(30);
    static final long FAILED_RETRY_MS = 1000;
    static final int MAX_ENTRIES = 2 * SluiceConfig.MAX_ROUTES * (Credentials.MAX_HEADERS + Credentials.MAX_SIGNING_SECRETS);

    /** A value read at {@code readAt} (nanoTime), or why it could not be. */
    private record Entry(String value, String failure, long readAt) {
    }

    private final SecretSource source;
    private final Executor workers;
    private final LongSupplier nanos;
    private final long rereadNanos;
    private final Map<SecretRef, Entry> entries = new ConcurrentHashMap<>();
    private final Set<SecretRef> rereading = ConcurrentHashMap.newKeySet();
    private final TlsFiles tls;

    @Inject
    public Secrets() {
        // looked up on each use: Quarkus installs its worker pool into Mutiny during startup
        this(SecretSource.system(), task -> Infrastructure.getDefaultWorkerPool().execute(task), System::nanoTime, REREAD);
    }

    /** With the given source, workers, clock (nanoseconds) and re-read interval: for tests. */
    public Secrets(SecretSource source, Executor workers, LongSupplier nanos, Duration reread) {
        this.source = source;
        this.workers = workers;
        this.nanos = nanos;
        this.rereadNanos = reread.toNanos();
        this.tls = new TlsFiles(workers, nanos, reread, java.time.Clock.systemUTC());
    }

    /** The contents of the routes' TLS files ({@code target.tls}), checked and re-read as secrets are. */
    public TlsFiles tls() {
        return tls;
    }

    /** Blocking: the problems of the config's secrets and TLS files (none: they are kept). For the startup properties. */
    public List<ConfigProblem> check(SluiceConfig config, PathStyle paths) {
        Map<SecretRef, String> values = new HashMap<>();
        List<ConfigProblem> problems = SecretCheck.problems(config, paths, source, values);
        if (problems.isEmpty()) {
            values.forEach(this::keep);
        }
        problems.addAll(tls.check(config, paths));
        return problems;
    }

    /** For PUT and validate: reads on a worker; fails with {@link InvalidConfigException} naming each bad field. */
    public Uni<Void> ensure(SluiceConfig config) {
        if (config.routes().stream().allMatch(r -> r.credentials().none())) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().<Void> item(() -> {
            List<ConfigProblem> problems = check(config, PathStyle.JSON);
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            return null;
        }).runSubscriptionOn(workers);
    }

    /**
     * The values of {@code refs}: at once from memory when every one is known (the stale ones are
     * read again in the background), else after reading the others on a worker. Fails with
     * {@link SecretSource.UnavailableException} when one cannot be read.
     */
    public Uni<Map<SecretRef, String>> values(Collection<SecretRef> refs) {
        Map<SecretRef, String> out = new HashMap<>();
        boolean missing = false;
        long now = nanos.getAsLong();
        for (SecretRef ref : refs) {
            Entry e = entries.get(ref);
            if (e != null && e.value() != null) {
                out.put(ref, e.value());
                if (now - e.readAt() >= rereadNanos) {
                    rereadLater(ref);
                }
            } else if (e != null && now - e.readAt() < FAILED_RETRY_MS * 1_000_000) {
                return Uni.createFrom().failure(new SecretSource.UnavailableException(e.failure()));
            } else {
                missing = true;
            }
        }
        if (!missing) {
            return Uni.createFrom().item(out);
        }
        return Uni.createFrom().item(() -> {
            for (SecretRef ref : refs) {
                if (!out.containsKey(ref)) {
                    Entry e = read(ref);
                    if (e.value() == null) {
                        throw new IllegalStateException(new SecretSource.UnavailableException(e.failure()));
                    }
                    out.put(ref, e.value());
                }
            }
            return out;
        }).runSubscriptionOn(workers).onFailure(IllegalStateException.class)
                .transform(t -> t.getCause() instanceof SecretSource.UnavailableException u ? u : t);
    }

    private void rereadLater(SecretRef ref) {
        if (rereading.add(ref)) {
            try {
                workers.execute(() -> {
                    try {
                        read(ref);
                    } finally {
                        rereading.remove(ref);
                    }
                });
            } catch (RuntimeException e) {
                rereading.remove(ref); // no worker now: the next attempt asks again
            }
        }
    }

    /** Blocking: reads one secret and keeps what it found (a failure keeps the last value, if any). */
    private Entry read(SecretRef ref) {
        long now = nanos.getAsLong();
        try {
            String value = source.read(ref);
            return keep(ref, value, now);
        } catch (SecretSource.UnavailableException e) {
            Entry old = entries.get(ref);
            Entry next;
            if (old != null && old.value() != null) {
                LOG.warnf("secret %s: %s; the value read before is still sent", ref, e.getMessage());
                next = new Entry(old.value(), null, now);
            } else {
                next = new Entry(null, e.getMessage(), now);
            }
            put(ref, next);
            return next;
        }
    }

    private void keep(SecretRef ref, String value) {
        keep(ref, value, nanos.getAsLong());
    }

    private Entry keep(SecretRef ref, String value, long now) {
        Entry old = entries.get(ref);
        if (old != null && old.value() != null && !old.value().equals(value)) {
            LOG.infof("secret %s: a new value was read; requests carry it from now on", ref);
        }
        Entry e = new Entry(value, null, now);
        put(ref, e);
        return e;
    }

    private void put(SecretRef ref, Entry e) {
        if (entries.size() >= MAX_ENTRIES && !entries.containsKey(ref)) {
            entries.clear(); // read again as needed: bounded memory whatever configs come and go
        }
        entries.put(ref, e);
    }
}
