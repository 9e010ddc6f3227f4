package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Startup settings under {@code sluice.*}. They seed the first {@link SluiceConfig} snapshot;
 * everything the pipeline reads at run time comes from that snapshot, never from here.
 */
@ConfigMapping(prefix = "sluice")
public interface SluiceSettings {

    /**
     * Most records in flight at once across all routes (accepted from Kafka, not yet acked; parked
     * records on top, see max-waiting), and most requests on the wire at once across all routes.
     */
    @WithDefault("256")
    int maxInFlight();

    /**
     * A partition with this many records waiting behind ordering lanes or for a route permit is
     * paused (not fetched) until half of them have started, so a hot key, a slow partition or a
     * saturated route cannot take the whole in-flight budget from the others.
     */
    @WithDefault("64")
    int maxWaitingPerPartition();

    /**
     * Records parked on top of max-in-flight: a record of one route that has to wait for an
     * earlier one of its key, or for a permit of its route, gives its in-flight permit back (so
     * other keys, partitions and routes keep flowing) and takes one of these instead; sent later,
     * it still counts towards the requests on the wire. When they are all taken, waiting records keep
     * their in-flight permit and the intake slows down. Sluice never holds more than
     * max-in-flight + max-waiting records.
     */
    @WithDefault("256")
    int maxWaiting();

    /** Routes by name: which topics go to which target, with limits and retry policy. */
    Map<String, RouteSettings> routes();

    interface RouteSettings {
        /** Source topics whose records this route delivers. */
        List<String> topics();

        /** Where to deliver. */
        TargetSettings target();

        /** Most deliveries of this route in flight at once (HTTP requests on the wire). */
        @WithDefault("64")
        int maxInFlight();

        /** Timeout of one delivery attempt (connect, send, response). */
        @WithDefault("10s")
        Duration timeout();

        /** Retry policy for retriable outcomes (5xx, 408, 429, timeouts, connection errors). */
        RetrySettings retry();

        /** Topic that receives records this route could not deliver. Default: sluice-dead-letter. */
        @WithDefault("sluice-dead-letter")
        String deadLetterTopic();

        /**
         * What a record value must be to be sent: any, json or cloudevents (binary or structured
         * mode). A value that is not goes to the dead-letter topic unsent.
         */
        @WithDefault("any")
        String expects();

        /** Largest record value sent, in bytes; a larger one goes to the dead-letter topic unsent. */
        @WithDefault("1048576")
        int maxValueBytes();

        /**
         * Delivery order: key (same key one after another in offset order, keys in parallel; a
         * null key falls back to partition order), partition (one at a time per partition) or
         * none (any order).
         */
        @WithDefault("key")
        String ordering();

        /**
         * How the in-flight limit is set: fixed (it is max-in-flight) or adaptive (found from the
         * target's latency and backpressure answers, within adaptive.min and adaptive.max).
         */
        @WithDefault("fixed")
        String concurrency();

        /** Bounds of the adaptive limit (used with concurrency=adaptive). */
        AdaptiveSettings adaptive();

        /** Attempts per second the target gets at most (token bucket); off unless per-second is set. */
        RateLimitSettings rateLimit();

        /**
         * Prefixes of record header names (case-insensitive) passed on to the target, e.g.
         * x-tenant-. CloudEvents attributes and trace context always are; credentials, Host,
         * hop-by-hop and X-Forwarded-* never are. Default: none.
         */
        Optional<List<String>> forwardHeaders();
    }

    interface AdaptiveSettings {
        /** Lowest adaptive limit. */
        @WithDefault("1")
        int min();

        /** Highest adaptive limit. Default: the route's max-in-flight. */
        Optional<Integer> max();
    }

    interface RateLimitSettings {
        /** Tokens added per second; every attempt, retries included, takes one. 0 turns the rate limit off. */
        @WithDefault("0")
        int perSecond();

        /** Most tokens the bucket holds, so the largest burst after a quiet spell. Default: per-second. */
        Optional<Integer> burst();
    }

    interface TargetSettings {
        /** Absolute http(s) URL the record value is POSTed to. */
        Optional<String> url();
    }

    interface RetrySettings {
        /** Attempts in all, the first one included; 1 means no retry. */
        @WithDefault("5")
        int maxAttempts();

        /** Delay before the second attempt; doubles for each further attempt. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** Upper bound of any delay between attempts, Retry-After included. */
        @WithDefault("30s")
        Duration maxBackoff();

        /** Fraction (0..1) of each delay that is randomised, so retries of many records spread out. */
        @WithDefault("0.5")
        double jitter();
    }

    /** Admin API. */
    AdminSettings admin();

    interface AdminSettings {
        /**
         * Bearer token required by every mutating admin call (set it from a Kubernetes Secret,
         * e.g. env SLUICE_ADMIN_TOKEN). Without one, mutating calls are refused; dev mode makes one up.
         */
        Optional<String> token();

        /**
         * Bearer token that grants the read-only admin calls (GET /admin/config, POST
         * /admin/config/validate) and nothing else, e.g. for a dashboard or a CI check. The admin
         * token grants them too. Surrounding whitespace (a file's trailing newline) is ignored.
         */
        @WithName("read-token")
        Optional<String> readToken();
    }

    /** Dev mode only. */
    DevSettings dev();

    interface DevSettings {
        /**
         * Start a real Kafka broker in the JVM when kafka.bootstrap.servers is not set
         * (read by EmbeddedKafkaConfigSourceFactory before the application starts).
         */
        @WithDefault("true")
        boolean embeddedKafka();
    }

    /** Drain on shutdown: how long in-flight deliveries may take to finish. */
    @WithDefault("20s")
    Duration drainTimeout();

    /**
     * Compacted topic (one partition, one key) that carries the live config to every replica.
     * Created on startup when missing.
     */
    @WithDefault("sluice-config")
    String configTopic();

    /**
     * How often each replica checks the config topic: that it exists, is compacted, and is still
     * the topic it has been reading (not deleted and re-created under it).
     */
    @WithDefault("2s")
    Duration configTopicCheckInterval();

    /**
     * A config topic that has never held a record is believed (the startup properties become the
     * config, version 0) only once it has stayed empty this long. Keep it above the check interval:
     * replicas still running a config from a topic that was re-created empty mark it by then.
     */
    @WithDefault("5s")
    Duration configTopicEmptyWait();

    /** Consumer group of the intake. */
    @WithDefault("sluice")
    String groupId();

    /** Liveness: when the pipeline counts as stuck or an event loop as blocked. */
    HealthSettings health();

    interface HealthSettings {
        /**
         * Work in flight and nothing moved (no record taken, no attempt answered) for this long:
         * the pipeline is stuck and liveness fails. Keep it above the longest route timeout plus
         * the longest backoff, and above one failing dead-letter write plus
         * {@code dead-letter.retry-max-backoff} (each try of a held record counts as progress).
         */
        @WithDefault("5m")
        Duration stuckAfter();

        /** A Vert.x event loop kept from running its tasks this long fails liveness. */
        @WithDefault("10s")
        Duration eventLoopBlockedAfter();
    }


    /** Dead-letter topics: checked before a config is used; what happens while one cannot be written. */
    DeadLetterSettings deadLetter();

    interface DeadLetterSettings {
        /**
         * Create a route's missing dead-letter topic (broker defaults for partitions and replication)
         * on PUT /admin/config and at startup; false: a missing topic is refused (400) and, at
         * startup, leaves its route degraded until the topic exists.
         */
        @WithDefault("true")
        boolean createTopics();

        /** Longest wait for the broker to say whether the dead-letter topics exist (or to create them). */
        @WithDefault("10s")
        Duration checkTimeout();

        /** Delay before a failed dead-letter write is tried again; doubles after each failure. */
        @WithDefault("1s")
        Duration retryInitialBackoff();

        /** Longest delay between tries of a failed dead-letter write, and between re-checks of a missing topic. */
        @WithDefault("30s")
        Duration retryMaxBackoff();
    }

    /** Settings of the dev-mode demo (sample producer and sink). */
    DemoSettings demo();

    interface DemoSettings {
        /** Publish a sample event to the demo topic at this interval; 0 turns it off. */
        @WithDefault("2s")
        Duration publishInterval();

        /** Topic the demo producer writes to. */
        @WithName("topic")
        @WithDefault("demo.orders")
        String topic();
    }
}
