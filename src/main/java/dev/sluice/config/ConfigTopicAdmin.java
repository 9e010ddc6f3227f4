package dev.sluice.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

/**
 * What the broker says about the config topic (does it exist, which incarnation, is it compacted)
 * and whether any replica of the deployment runs (members of its consumer group).
 */
final class ConfigTopicAdmin implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConfigTopicAdmin.class);
    private static final long TIMEOUT_S = 10;

    /** One incarnation of the topic (a deleted and re-created topic has a new id) and its cleanup policy. */
    record State(Uuid id, String cleanupPolicy) {
        boolean compacted() {
            return "compact".equals(cleanupPolicy);
        }
    }

    private final String topic;
    private final Admin admin;

    ConfigTopicAdmin(String topic, Map<String, Object> clientConfig) {
        this.topic = topic;
        this.admin = Admin.create(clientConfig);
    }

    /** Creates the topic (compacted, one partition) when missing, then describes it. */
    State ensure() {
        try {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1).configs(Map.of("cleanup.policy", "compact"))))
                    .all().get(TIMEOUT_S, TimeUnit.SECONDS);
            LOG.infof("created the compacted config topic %s", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create config topic " + topic + ": " + e.getCause(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka to create config topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return describe().orElseThrow(() -> new IllegalStateException("config topic " + topic + " vanished as it was created"));
    }

    /** The topic as it is now; empty when it does not exist. Throws when Kafka does not answer. */
    Optional<State> describe() {
        try {
            Uuid id = admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).get(topic).topicId();
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            ConfigEntry policy = admin.describeConfigs(List.of(resource)).all().get(TIMEOUT_S, TimeUnit.SECONDS)
                    .get(resource).get("cleanup.policy");
            return Optional.of(new State(id, policy == null ? "?" : policy.value()));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw new IllegalStateException("cannot describe config topic " + topic + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka to describe config topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether consumer group {@code groupId} has no member now: no replica of this deployment runs
     * (each replica's intake joins that group once its config is loaded). Empty when Kafka does not
     * say (unreachable, not authorised to describe the group): the caller must then assume members.
     */
    Optional<Boolean> groupIsEmpty(String groupId) {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId)
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            return Optional.of(group.members().isEmpty());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return Optional.of(true);
            }
            LOG.infof("cannot describe consumer group %s (%s): assuming other replicas run", groupId, e.getCause().toString());
            return Optional.empty();
        } catch (TimeoutException e) {
            LOG.infof("consumer group %s not described within %d s: assuming other replicas run", groupId, TIMEOUT_S);
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(2));
    }
}
