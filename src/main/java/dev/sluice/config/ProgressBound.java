package dev.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Liveness fails when records are in flight and nothing has moved for
 * {@code sluice.health.stuck-after}. A healthy route moves at least once per attempt (its timeout)
 * plus the wait before the next one (at most its max-backoff, a server's Retry-After included), so
 * a route whose timeout and longest wait add up to stuck-after or more would fail liveness while
 * working as configured, and Kubernetes would restart a healthy pod over and over. Such a route is
 * refused: at startup, and by PUT and validate.
 *
 * <p>A long queue is not a lack of progress: a route at its rate limit or behind an ordering lane
 * moves with every answer, however many records wait (the connector's own age-of-the-oldest-record
 * check is off for that reason, see application.properties).
 */
public final class ProgressBound {
    private ProgressBound() {
    }

    /** Problems of routes that could go {@code stuckAfter} without progress while healthy. */
    public static List<ConfigProblem> check(SluiceConfig config, Duration stuckAfter, SluiceConfig.PathStyle paths) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (int i = 0; i < config.routes().size(); i++) {
            Route r = config.routes().get(i);
            String p = paths.route(i, r.name());
            if (r.timeout().compareTo(stuckAfter) >= 0) {
                problems.add(new ConfigProblem(p + "timeout", "must be below sluice.health.stuck-after (" + stuckAfter
                        + "): an attempt that long shows no progress and liveness would fail; was " + r.timeout()));
            } else if (r.retry().maxAttempts() > 1 && r.timeout().plus(r.retry().maxBackoff()).compareTo(stuckAfter) >= 0) {
                problems.add(new ConfigProblem(p + "retry.max-backoff", "timeout (" + r.timeout() + ") plus max-backoff ("
                        + r.retry().maxBackoff() + ") must be below sluice.health.stuck-after (" + stuckAfter
                        + "): a retry waiting that long shows no progress and liveness would fail"));
            }
        }
        return problems;
    }
}
