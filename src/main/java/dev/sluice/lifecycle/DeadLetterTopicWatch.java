package dev.sluice.lifecycle;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.sluice.config.ConfigTopic;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.DeadLetterTopicCheck;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceSettings;
import dev.sluice.config.Watch;
import dev.sluice.outcome.DeadLetterState;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;

/**
 * Checks the dead-letter topics of the config in force once it is loaded at startup, and again
 * for every new config version; a route whose topic is missing and cannot be created is reported
 * degraded (status, health, metrics) with an error naming the field
 * ({@code sluice.routes.<name>.dead-letter-topic} for the startup properties), and is checked again
 * with backoff until the topic is there.
 *
 * <p>Startup does not refuse such a config: every replica runs the same one, so refusing would
 * crash-loop them all and take the admin API that could fix it out of the Service; a restart cannot
 * create a topic either. The other routes deliver meanwhile, and the degraded route holds (never
 * acks) only the records it cannot deliver. A broker that does not answer the check is no verdict
 * on the config: it is logged and checked again.
 */
@ApplicationScoped
public class DeadLetterTopicWatch {
    private static final Logger LOG = Logger.getLogger(DeadLetterTopicWatch.class);

    private final CurrentConfig config;
    private final ConfigTopic configTopic;
    private final DeadLetterTopicCheck check;
    private final DeadLetterState state;
    private final Vertx vertx;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    /** One check at a time; a config change during one runs another right after it. */
    private final AtomicBoolean checking = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    /** Routes reported degraded by the last check. */
    private Set<String> reported = Set.of();
    private Duration backoff;
    private volatile boolean stopped;
    private long timer = -1;
    private Cancellable following;

    DeadLetterTopicWatch(CurrentConfig config, ConfigTopic configTopic, DeadLetterTopicCheck check, DeadLetterState state,
            Vertx vertx, SluiceSettings settings) {
        this.config = config;
        this.configTopic = configTopic;
        this.check = check;
        this.state = state;
        this.vertx = vertx;
        this.initialBackoff = settings.deadLetter().retryInitialBackoff();
        this.maxBackoff = settings.deadLetter().retryMaxBackoff();
        this.backoff = initialBackoff;
    }

    void start(@Observes StartupEvent event) {
        // the config in force is the config topic's latest, not necessarily the startup properties
        configTopic.loaded().thenRun(() -> following = config.changes().subscribe().with(v -> request()));
    }

    /** Runs a check now, or right after the one under way. */
    void request() {
        again.set(true);
        if (!stopped && checking.compareAndSet(false, true)) {
            run();
        }
    }

    private void run() {
        again.set(false);
        Watch.Versioned<SluiceConfig> v = config.versioned();
        // version 0 is the startup properties: name the fields as properties
        SluiceConfig.PathStyle paths = v.version() == 0 ? SluiceConfig.PathStyle.PROPERTIES : SluiceConfig.PathStyle.JSON;
        check.check(v.value(), paths, false).subscribe().with(
                problems -> finish(apply(v, problems)),
                failure -> {
                    LOG.warnf("could not check the dead-letter topics of config version %d: %s; checking again in %d ms",
                            v.version(), failure.getMessage(), backoff.toMillis());
                    finish(true);
                });
    }

    /** Reports each route's verdict; true if some route is still degraded by it. */
    private synchronized boolean apply(Watch.Versioned<SluiceConfig> v, List<DeadLetterTopicCheck.Problem> problems) {
        Set<String> now = new HashSet<>();
        for (DeadLetterTopicCheck.Problem p : problems) {
            now.add(p.route());
            state.topicProblem(p.route(), p.topic(), p.problem().message());
            if (!reported.contains(p.route())) {
                LOG.errorf("%s: %s (config version %d); route %s runs degraded: records it cannot deliver are held "
                        + "unacked until the topic exists", p.problem().field(), p.problem().message(), v.version(), p.route());
            }
        }
        for (Route r : v.value().routes()) {
            if (!now.contains(r.name())) {
                state.topicOk(r.name());
            }
        }
        // a route gone from the config has no topic to check: its held records carry its last one
        reported.stream().filter(r -> !now.contains(r)).forEach(state::topicOk);
        reported = Set.copyOf(now);
        return !now.isEmpty();
    }

    private synchronized void finish(boolean retry) {
        checking.set(false);
        if (stopped) {
            return;
        }
        if (again.get()) {
            backoff = initialBackoff;
            request();
        } else if (retry) {
            long delay = backoff.toMillis();
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            timer = vertx.setTimer(delay, id -> request());
        } else {
            backoff = initialBackoff;
        }
    }

    @PreDestroy
    synchronized void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
        if (following != null) {
            following.cancel();
        }
    }
}
