package dev.sluice.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.ToDoubleBiFunction;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import dev.sluice.config.Channels;
import dev.sluice.intake.IntakeState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.vertx.core.Vertx;

/**
 * {@code sluice_consumer_lag{topic,partition}} and {@code sluice_consumer_paused{topic,partition}}
 * for the partitions assigned to the intake consumer now. A scrape must not wait for the
 * consumer, which answers only on its polling thread, so a timer reads the {@link ConsumerState}
 * there every {@link #REFRESH} and the gauges show the latest reading; partitions assigned or
 * revoked by a rebalance gain or lose their gauges with the next reading.
 */
@ApplicationScoped
public class ConsumerGauges {
    private static final Logger LOG = Logger.getLogger(ConsumerGauges.class);
    static final String LAG = "sluice.consumer.lag";
    static final String PAUSED = "sluice.consumer.paused";
    static final String CHANNEL = Channels.INTAKE;
    /** Often enough for alerts and dashboards; one small task on the polling thread per second. */
    static final Duration REFRESH = Duration.ofSeconds(1);
    /** A reading that takes this long is given up (the consumer may be stuck in a rebalance). */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final Function<Consumer<Object, Object>, ConsumerState> READ = ConsumerState::of;

    private final KafkaClientService clients;
    private final IntakeState intake;
    private final Vertx vertx;
    private final KeyedGauges<TopicPartition> lag;
    private final KeyedGauges<TopicPartition> paused;
    /** At most one reading at a time: a slow consumer gets no pile of tasks. */
    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile ConsumerState state = ConsumerState.NONE;
    private volatile boolean stopped;
    private long timer = -1;

    ConsumerGauges(MeterRegistry registry, KafkaClientService clients, IntakeState intake, Vertx vertx) {
        this.clients = clients;
        this.intake = intake;
        this.vertx = vertx;
        this.lag = new KeyedGauges<>(registry, tp -> List.of(gauge(registry, LAG, tp, ConsumerState::lagOf,
                "Records of the partition after the consumer's position, as of its last fetch")));
        this.paused = new KeyedGauges<>(registry, tp -> List.of(gauge(registry, PAUSED, tp, ConsumerState::pausedOf,
                "1 while the consumer has the partition paused (the pipeline is full), else 0")));
    }

    synchronized void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(REFRESH.toMillis(), id -> refresh());
    }

    /** Starts one reading unless one is under way; runs on the event loop, so it only enqueues. */
    void refresh() {
        if (stopped || !intake.running() || !reading.compareAndSet(false, true)) {
            return;
        }
        KafkaConsumer<Object, Object> consumer;
        try {
            consumer = clients.getConsumer(CHANNEL);
        } catch (RuntimeException e) {
            consumer = null;
        }
        if (consumer == null) {
            reading.set(false);
            return;
        }
        consumer.runOnPollingThread(READ)
                .ifNoItem().after(READ_TIMEOUT).fail()
                .subscribe().with(s -> {
                    apply(s);
                    reading.set(false);
                }, t -> {
                    LOG.debugf(t, "could not read the consumer's partitions; the lag and paused gauges keep their last values");
                    reading.set(false);
                });
    }

    synchronized void apply(ConsumerState next) {
        if (stopped) {
            return;
        }
        state = next;
        lag.follow(next.lag().keySet());
        paused.follow(next.assigned());
    }

    /** Lag per partition as of the latest reading (absent where unknown); never waits for the consumer. */
    public java.util.Map<TopicPartition, Long> lag() {
        return state.lag();
    }

    /** Partitions the consumer had paused at the latest reading; never waits for the consumer. */
    public java.util.Set<TopicPartition> paused() {
        return state.paused();
    }

    @PreDestroy
    synchronized void stop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        lag.clear();
        paused.clear();
    }

    private Meter gauge(MeterRegistry registry, String name, TopicPartition tp,
            ToDoubleBiFunction<ConsumerState, TopicPartition> read, String description) {
        return Gauge.builder(name, () -> read.applyAsDouble(state, tp))
                .tag("topic", tp.topic()).tag("partition", String.valueOf(tp.partition()))
                .description(description).register(registry);
    }
}
