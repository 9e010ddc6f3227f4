package dev.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Asks the broker whether each route's dead-letter topic exists, and creates a missing one when
 * {@code sluice.dead-letter.create-topics} allows (a dry run for validation). A route whose topic
 * can be neither found nor created would hold every record it cannot deliver, so a config naming
 * one is refused at the door (PUT, validate) and reported at startup.
 *
 * <p>Everything runs on the Kafka admin client's own thread or a worker, never on an event loop,
 * and every call has a timeout; results are handed back on a worker thread, so the caller may go
 * on to blocking work (the config topic's producer).
 */
@ApplicationScoped
public class DeadLetterTopicCheck {
    /** What is wrong with one route's dead-letter topic. */
    public record Problem(String route, String topic, ConfigProblem problem) {
    }

    private final Map<String, Object> kafka;
    private final boolean createTopics;
    private final Duration timeout;

    DeadLetterTopicCheck(SluiceSettings settings, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.kafka = kafka;
        this.createTopics = settings.deadLetter().createTopics();
        this.timeout = settings.deadLetter().checkTimeout();
    }

    /** For PUT: creates missing topics if allowed; fails with {@link InvalidConfigException} naming each bad field. */
    public Uni<Void> ensure(SluiceConfig config) {
        return refuseProblems(check(config, SluiceConfig.PathStyle.JSON, false));
    }

    /** For validate: as {@link #ensure} but creates nothing. */
    public Uni<Void> validate(SluiceConfig config) {
        return refuseProblems(check(config, SluiceConfig.PathStyle.JSON, true));
    }

    private static Uni<Void> refuseProblems(Uni<List<Problem>> problems) {
        return problems.chain(found -> found.isEmpty()
                ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(new InvalidConfigException(found.stream().map(Problem::problem).toList())));
    }

    /**
     * The problems of the config's dead-letter topics, one per route that names a bad one; fails
     * (rather than reporting problems) when the broker does not answer within the check timeout, as
     * that says nothing about the config. {@code dryRun}: create nothing, only ask whether it could be.
     */
    public Uni<List<Problem>> check(SluiceConfig config, SluiceConfig.PathStyle paths, boolean dryRun) {
        Set<String> topics = new LinkedHashSet<>();
        config.routes().forEach(r -> topics.add(r.deadLetterTopic()));
        return Uni.createFrom().deferred(() -> {
            // one client per check, closed right after: checks are rare (startup, a PUT, a re-check
            // of a degraded route), and an idle client kept open only lengthened the shutdown
            Admin admin = Admin.create(adminConfig());
            return Uni.createFrom().completionStage(problemsOf(admin, topics, dryRun))
                    .onTermination().invoke(() -> Infrastructure.getDefaultWorkerPool().execute(
                            () -> admin.close(Duration.ofSeconds(1))));
        })
                // Admin.create resolves the bootstrap addresses: not on an event loop
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .ifNoItem().after(timeout.multipliedBy(2)).failWith(() -> new IllegalStateException(
                        "the broker did not say within " + timeout.multipliedBy(2) + " whether the dead-letter topics exist"))
                .map(byTopic -> problems(config, paths, byTopic))
                .emitOn(Infrastructure.getDefaultWorkerPool());
    }

    private static List<Problem> problems(SluiceConfig config, SluiceConfig.PathStyle paths, Map<String, String> byTopic) {
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < config.routes().size(); i++) {
            Route r = config.routes().get(i);
            String why = byTopic.get(r.deadLetterTopic());
            if (why != null) {
                problems.add(new Problem(r.name(), r.deadLetterTopic(),
                        new ConfigProblem(paths.route(i, r.name()) + "dead-letter-topic", why)));
            }
        }
        return problems;
    }

    /** What is wrong with each topic that has a problem. */
    private CompletableFuture<Map<String, String>> problemsOf(Admin a, Set<String> topics, boolean dryRun) {
        int ms = (int) timeout.toMillis();
        Map<String, KafkaFuture<org.apache.kafka.clients.admin.TopicDescription>> described = a
                .describeTopics(topics, new DescribeTopicsOptions().timeoutMs(ms)).topicNameValues();
        return allSettled(described).thenCompose(outcomes -> {
            Map<String, String> problems = new LinkedHashMap<>();
            List<String> missing = new ArrayList<>();
            outcomes.forEach((topic, failure) -> {
                if (failure instanceof UnknownTopicOrPartitionException) {
                    missing.add(topic);
                } else if (failure instanceof org.apache.kafka.common.errors.TimeoutException) {
                    throw new CompletionException(failure);
                } else if (failure != null) {
                    problems.put(topic, "cannot check dead-letter topic '" + topic + "': " + failure.getMessage());
                }
            });
            if (missing.isEmpty()) {
                return CompletableFuture.completedFuture(problems);
            }
            if (!createTopics) {
                missing.forEach(t -> problems.put(t, "dead-letter topic '" + t + "' does not exist (and "
                        + "sluice.dead-letter.create-topics is false): create it, or name one that exists"));
                return CompletableFuture.completedFuture(problems);
            }
            List<NewTopic> create = missing.stream().map(t -> new NewTopic(t, Optional.empty(), Optional.empty())).toList();
            var created = a.createTopics(create, new CreateTopicsOptions().validateOnly(dryRun).timeoutMs(ms)).values();
            return allSettled(created).thenApply(results -> {
                results.forEach((topic, failure) -> {
                    if (failure instanceof org.apache.kafka.common.errors.TimeoutException) {
                        throw new CompletionException(failure);
                    }
                    if (failure != null && !(failure instanceof TopicExistsException)) {
                        problems.put(topic, "dead-letter topic '" + topic + "' does not exist and cannot be created: "
                                + failure.getMessage());
                    }
                });
                return problems;
            });
        });
    }

    /** Waits for every future; maps each key to its failure's cause, or to null when it succeeded. */
    private static <T> CompletableFuture<Map<String, Throwable>> allSettled(Map<String, KafkaFuture<T>> futures) {
        Map<String, CompletableFuture<Throwable>> settled = new LinkedHashMap<>();
        futures.forEach((k, f) -> settled.put(k, f.toCompletionStage().toCompletableFuture()
                .handle((v, t) -> t == null ? null : cause(t))));
        return CompletableFuture.allOf(settled.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, Throwable> out = new HashMap<>();
            settled.forEach((k, f) -> out.put(k, f.join()));
            return out;
        });
    }

    private static Throwable cause(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> config = new HashMap<>(kafka);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-dead-letter-check");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        return config;
    }
}
