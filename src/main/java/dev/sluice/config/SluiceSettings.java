package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Startup settings under {@code sluice.*}. The keys of the snapshot ({@code max-in-flight},
 * {@code routes}) seed the first {@link SluiceConfig} through {@link StartupProperties}; everything
 * the pipeline reads at run time comes from that snapshot, never from here.
 */
@ConfigMapping(prefix = "sluice")
public interface SluiceSettings {

    /** {@link ConfigKey#MAX_IN_FLIGHT}: declared and read there, with its default (raw text here). */
    Optional<String> maxInFlight();

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

    /**
     * Routes by name: which topics go to which target, with limits and retry policy. Each key's type,
     * default and doc line are in {@link ConfigKey} and {@link StartupProperties} reads them; they are
     * declared here only as raw text (never a default), so that SmallRye refuses unknown keys and maps
     * environment variables onto these. ConfigKeyTest holds the two lists equal.
     */
    Map<String, RouteSettings> routes();

    /** Keys of one route: see {@link ConfigKey}. */
    interface RouteSettings {
        Optional<List<String>> topics();

        TargetSettings target();

        Optional<String> maxInFlight();

        Optional<String> timeout();

        RetrySettings retry();

        Optional<String> deadLetterTopic();

        Optional<String> expects();

        Optional<String> maxValueBytes();

        Optional<String> ordering();

        Optional<String> concurrency();

        AdaptiveSettings adaptive();

        RateLimitSettings rateLimit();

        Optional<List<String>> forwardHeaders();

        /** The route's filters: the JSON array of the admin API's {@code filters}, as one value. */
        Optional<String> filters();

        /** See {@link ConfigKey#PAUSED}. */
        Optional<String> paused();
    }

    /** See {@link ConfigKey#ADAPTIVE_MIN}, {@link ConfigKey#ADAPTIVE_MAX}. */
    interface AdaptiveSettings {
        Optional<String> min();

        Optional<String> max();
    }

    /** See {@link ConfigKey#RATE_PER_SECOND}, {@link ConfigKey#RATE_BURST}, {@link ConfigKey#RATE_SCOPE}. */
    interface RateLimitSettings {
        Optional<String> perSecond();

        Optional<String> burst();

        Optional<String> scope();
    }

    /** See {@link ConfigKey#TARGET_URL}, {@link ConfigKey#TARGET_HEADERS}, {@link ConfigKey#TARGET_SIGNING_SECRETS}, {@link ConfigKey#TARGET_OAUTH2}, {@link ConfigKey#TARGET_TLS}. */
    interface TargetSettings {
        Optional<String> url();

        /** Header name to the secret its value comes from. */
        Map<String, HeaderSettings> headers();

        /** Standard Webhooks signing secrets: {@code signing-secrets[0].env}, {@code signing-secrets[1].file}. */
        Optional<List<SecretSettings>> signingSecrets();

        /** OAuth2 client credentials: {@code oauth2.token-url}, {@code oauth2.client-secret.env}, ... ({@link ConfigKey#TARGET_OAUTH2}). */
        Optional<OAuth2Settings> oauth2();

        /**
         * TLS files ({@link ConfigKey#TARGET_TLS}): {@code tls.certificate}, {@code tls.key}, {@code tls.ca};
         * a map so that the reader, not SmallRye, names a misspelt key with the route's other problems.
         */
        Map<String, String> tls();
    }

    /** See {@link OAuth2}. */
    interface OAuth2Settings {
        Optional<String> tokenUrl();

        Optional<String> clientId();

        Optional<SecretSettings> clientSecret();

        Optional<String> scope();

        Optional<String> audience();
    }

    /** A secret reference ({@link SecretRef}): one of env, file. */
    interface SecretSettings {
        Optional<String> env();

        Optional<String> file();
    }

    /** A header's secret reference ({@link SecretHeader}): one of env, file, and a prefix. */
    interface HeaderSettings {
        Optional<String> env();

        Optional<String> file();

        Optional<String> prefix();
    }

    /** See {@link ConfigKey}{@code .RETRY_*}. */
    interface RetrySettings {
        Optional<String> maxAttempts();

        Optional<String> initialBackoff();

        Optional<String> maxBackoff();

        Optional<String> jitter();
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

        /** The live status stream, GET /admin/events. */
        EventsSettings events();
    }

    interface EventsSettings {
        /** How often a status event is published. */
        @WithDefault("1s")
        Duration tick();

        /**
         * Events kept for subscribers that fall behind or reconnect (Last-Event-ID); one further
         * behind skips ahead and is told how many it missed. The stream's whole memory.
         */
        @WithName("ring-size")
        @WithDefault("256")
        int ringSize();

        /** Subscribers served at once; more are refused with 503. */
        @WithName("max-subscribers")
        @WithDefault("32")
        int maxSubscribers();
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
     * config, version 0) only once it has stayed empty this long, unless the intake's consumer group
     * has no member (then at once). Keep it above the check interval: replicas still running a
     * config from a topic that was re-created empty mark it by then.
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

    /** Redrives of dead letters (POST /admin/redrives): where they are kept and how many run. */
    RedriveSettings redrive();

    interface RedriveSettings {
        /**
         * Compacted topic that keeps each redrive's selection, progress and counts (created when
         * missing), so a redrive goes on after a restart, on this replica or another.
         */
        @WithDefault("sluice-redrives")
        String topic();

        /**
         * A redrive whose runner has not reported progress for this long is taken over by a
         * replica that sees it (the runner crashed or was killed); its runner reports every
         * lease / 5.
         */
        @WithDefault("15s")
        Duration lease();

        /** Redrives run at once on a replica; more wait, and a new one is refused when as many wait. */
        @WithName("max-running")
        @WithDefault("2")
        int maxRunning();

        /** Dead letters of one redrive under way at once (within the route's own limits). */
        @WithDefault("256")
        int window();
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
