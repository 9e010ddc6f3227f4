package dev.sluice.intake;

import java.util.LinkedHashSet;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.jboss.logging.Logger;

import dev.sluice.config.Channels;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.SluiceConfig;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.impl.ReactiveKafkaConsumer;

/**
 * Keeps the intake consumer subscribed to exactly the source topics of the config in force: a
 * route on a new topic starts flowing, a topic no route uses any more is let go (its partitions
 * are revoked; what was not committed is redelivered if it comes back).
 *
 * <p>The connector subscribes once, at start, with its own rebalance listener, which drives its
 * commit strategy. Re-subscribing runs on the consumer's polling thread with that same listener,
 * so offsets keep being tracked across the change. The listener is reached through the
 * connector's implementation class: re-check this on connector upgrades (a test covers it).
 */
@ApplicationScoped
public class TopicSubscription {
    private static final Logger LOG = Logger.getLogger(TopicSubscription.class);
    static final String CHANNEL = Channels.INTAKE;

    private final KafkaClientService clients;
    private final CurrentConfig config;
    private Set<String> subscribed;
    private boolean started;

    TopicSubscription(KafkaClientService clients, CurrentConfig config) {
        this.clients = clients;
        this.config = config;
    }

    /** Called once the connector has subscribed: from now on, follow the config. */
    synchronized void start(Set<String> initial) {
        subscribed = Set.copyOf(initial);
        started = true;
        config.changes().subscribe().with(v -> sync(v.value()));
    }

    synchronized void sync(SluiceConfig next) {
        if (!started) {
            return;
        }
        Set<String> wanted = new LinkedHashSet<>(next.sourceTopics());
        if (wanted.equals(subscribed)) {
            return;
        }
        KafkaConsumer<Object, Object> consumer = clients.getConsumer(CHANNEL);
        if (!(consumer instanceof ReactiveKafkaConsumer<Object, Object> reactive)) {
            LOG.errorf("cannot change the subscription of %s (consumer %s): keeping %s", CHANNEL, consumer, subscribed);
            return;
        }
        ConsumerRebalanceListener listener = reactive.getRebalanceListener();
        Set<String> previous = subscribed;
        subscribed = Set.copyOf(wanted);
        reactive.runOnPollingThread(c -> {
            c.subscribe(wanted, listener);
        }).subscribe().with(
                ok -> LOG.infof("consuming topics %s (were %s)", wanted, previous),
                t -> LOG.errorf(t, "could not subscribe to %s", wanted));
    }
}
