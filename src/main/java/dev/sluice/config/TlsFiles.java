package dev.sluice.config;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceConfig.PathStyle;
import io.smallrye.mutiny.Uni;

/**
 * The contents of the routes' TLS files ({@link TargetTls}), kept in memory so that a delivery on
 * an event loop never reads a file; the same life as {@link Secrets}' values (which owns this):
 *
 * <ul>
 * <li>Read at the door ({@link #check}: PUT, validate, the startup properties): every check of
 * {@link TlsCheck}, each problem naming its field; the good contents are kept.</li>
 * <li>Read when first needed on a replica that learnt the config from the config topic, on a
 * worker; files that cannot be used fail that attempt (retriable) and are tried again after
 * {@value #FAILED_RETRY_MS} ms.</li>
 * <li>Read again every {@code reread} (30 s), on a worker, when an attempt finds them older: a
 * renewed certificate (cert-manager rewriting a mounted Secret) is used from then on without a
 * restart. Files that cannot be used any more keep the last good contents, with a warning that
 * names the paths (never the contents).</li>
 * </ul>
 *
 * Bounded: at most {@value #MAX_ENTRIES} distinct TLS settings are kept; beyond that the memory
 * is cleared and files are read again as they are needed.
 */
public final class TlsFiles {
    private static final Logger LOG = Logger.getLogger(TlsFiles.class);
    static final long FAILED_RETRY_MS = 1000;
    /** Most distinct TLS settings kept: two whole configs' worth of routes. */
    static final int MAX_ENTRIES = 2 * SluiceConfig.MAX_ROUTES;

    /** Files cannot be used now; the message names the field and path, never contents. */
    public static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message, null, false, false);
        }
    }

    /** Contents read at {@code readAt} (nanoTime), or why they could not be. */
    private record Entry(TlsMaterial material, String failure, long readAt) {
    }

    private final Executor workers;
    private final LongSupplier nanos;
    private final long rereadNanos;
    private final Clock clock;
    private final Map<TargetTls, Entry> entries = new ConcurrentHashMap<>();
    private final Set<TargetTls> rereading = ConcurrentHashMap.newKeySet();

    /** {@code workers} read files; {@code nanos} and {@code reread} time the re-reads; {@code clock} judges expiry. */
    public TlsFiles(Executor workers, LongSupplier nanos, Duration reread, Clock clock) {
        this.workers = workers;
        this.nanos = nanos;
        this.rereadNanos = reread.toNanos();
        this.clock = clock;
    }

    /** Blocking: the problems of the config's TLS files, with full field paths; what can be used is kept. */
    public List<ConfigProblem> check(SluiceConfig config, PathStyle paths) {
        List<ConfigProblem> problems = new ArrayList<>();
        // routes naming the same files are checked once (a check costs milliseconds: parsing, a signature)
        Map<TargetTls, List<ConfigProblem>> checked = new java.util.HashMap<>();
        for (int i = 0; i < config.routes().size(); i++) {
            Route r = config.routes().get(i);
            TargetTls tls = r.credentials().tls();
            if (tls.none()) {
                continue;
            }
            List<ConfigProblem> own = checked.computeIfAbsent(tls, t -> {
                List<ConfigProblem> found = new ArrayList<>();
                TlsMaterial material = TlsCheck.read(t, clock.instant(), found);
                if (material != null) {
                    keep(t, material, nanos.getAsLong());
                }
                return found;
            });
            String p = paths.route(i, r.name());
            own.forEach(problem -> problems.add(new ConfigProblem(p + problem.field(), problem.message())));
        }
        return problems;
    }

    /**
     * The contents of {@code tls}'s files: at once from memory when known (read again in the
     * background when older than the re-read interval), else after reading them on a worker.
     * Fails with {@link UnavailableException} when they cannot be used.
     */
    public Uni<TlsMaterial> material(TargetTls tls) {
        long now = nanos.getAsLong();
        Entry e = entries.get(tls);
        if (e != null && e.material() != null) {
            if (now - e.readAt() >= rereadNanos) {
                rereadLater(tls);
            }
            return Uni.createFrom().item(e.material());
        }
        if (e != null && now - e.readAt() < FAILED_RETRY_MS * 1_000_000) {
            return Uni.createFrom().failure(new UnavailableException(e.failure()));
        }
        return Uni.createFrom().<TlsMaterial> emitter(em -> {
            Entry read = read(tls);
            if (read.material() != null) {
                em.complete(read.material());
            } else {
                em.fail(new UnavailableException(read.failure()));
            }
        }).runSubscriptionOn(workers);
    }

    private void rereadLater(TargetTls tls) {
        if (rereading.add(tls)) {
            try {
                workers.execute(() -> {
                    try {
                        read(tls);
                    } finally {
                        rereading.remove(tls);
                    }
                });
            } catch (RuntimeException e) {
                rereading.remove(tls); // no worker now: the next attempt asks again
            }
        }
    }

    /** Blocking: reads the files and keeps what was found; a failure keeps the last good contents, if any. */
    private Entry read(TargetTls tls) {
        long now = nanos.getAsLong();
        List<ConfigProblem> problems = new ArrayList<>();
        TlsMaterial material;
        try {
            Entry known = entries.get(tls);
            material = TlsCheck.read(tls, clock.instant(), problems, known == null ? null : known.material());
        } catch (RuntimeException e) {
            problems.add(new ConfigProblem(TargetTls.FIELD, "cannot be read (" + e.getClass().getSimpleName() + ")"));
            material = null;
        }
        if (material != null) {
            return keep(tls, material, now);
        }
        String failure = String.join("; ", problems.stream().map(ConfigProblem::toString).toList());
        Entry old = entries.get(tls);
        Entry next;
        if (old != null && old.material() != null) {
            LOG.warnf("TLS files %s: %s; the last good certificate and CA are still used", tls.paths().values(), failure);
            next = new Entry(old.material(), null, now);
        } else {
            next = new Entry(null, failure, now);
        }
        put(tls, next);
        return next;
    }

    private Entry keep(TargetTls tls, TlsMaterial material, long now) {
        Entry old = entries.get(tls);
        if (old != null && old.material() != null && !old.material().sameAs(material)) {
            LOG.infof("TLS files %s: new contents were read (client certificate valid until %s); connections opened "
                    + "from now on use them", tls.paths().values(), material.notAfter());
        }
        // the old contents when unchanged: the HTTP client compares by identity whether to update
        Entry e = new Entry(old != null && material.sameAs(old.material()) ? old.material() : material, null, now);
        put(tls, e);
        return e;
    }

    private void put(TargetTls tls, Entry e) {
        if (entries.size() >= MAX_ENTRIES && !entries.containsKey(tls)) {
            entries.clear(); // read again as needed: bounded memory whatever configs come and go
        }
        entries.put(tls, e);
    }
}
