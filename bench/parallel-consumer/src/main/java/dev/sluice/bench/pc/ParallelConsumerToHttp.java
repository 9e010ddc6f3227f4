package dev.sluice.bench.pc;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import io.confluent.parallelconsumer.PollContext;

/**
 * What a user of Confluent Parallel Consumer writes to POST each Kafka record to an HTTP endpoint,
 * as its README shows: a plain {@link KafkaConsumer} (auto commit off, as the library requires),
 * {@link ParallelConsumerOptions} with an ordering and {@code maxConcurrency}, everything else at
 * its default (commit mode {@code PERIODIC_CONSUMER_ASYNCHRONOUS}), and
 * {@link ParallelStreamProcessor#poll} with a function that blocks on the JDK {@link HttpClient}.
 * A non-2xx answer or an I/O error throws, and Parallel Consumer retries the record (after its
 * default 1 s delay). The peer of ColdStartBench; not a rival implementation.
 *
 * <p>Settings, each a system property or a {@code name=value} argument (an argument wins):
 * {@code pc.bootstrap} (localhost:9092), {@code pc.topic}, {@code pc.group} (pc-bench),
 * {@code pc.url} (the sink), {@code pc.ordering} (UNORDERED, KEY or PARTITION; UNORDERED),
 * {@code pc.concurrency} (maxConcurrency; 256).
 */
public final class ParallelConsumerToHttp {
    private ParallelConsumerToHttp() {
    }

    public static void main(String[] args) throws InterruptedException {
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("arguments are name=value, was " + arg);
            }
            System.setProperty(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String bootstrap = System.getProperty("pc.bootstrap", "localhost:9092");
        String topic = required("pc.topic");
        String group = System.getProperty("pc.group", "pc-bench");
        URI url = URI.create(required("pc.url"));
        ProcessingOrder ordering = ProcessingOrder.valueOf(System.getProperty("pc.ordering", "UNORDERED"));
        int concurrency = Integer.parseInt(System.getProperty("pc.concurrency", "256"));

        // HTTP/1.1: with the default (HTTP/2 first) the client tries an h2c upgrade on each new
        // connection, and at a few hundred in flight requests fail with "too many concurrent streams"
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        ParallelConsumerOptions<byte[], byte[]> options = ParallelConsumerOptions.<byte[], byte[]>builder()
                .ordering(ordering)
                .maxConcurrency(concurrency)
                .consumer(new KafkaConsumer<>(consumerProperties(bootstrap, group)))
                .build();
        ParallelStreamProcessor<byte[], byte[]> processor = ParallelStreamProcessor.createEosStreamProcessor(options);
        processor.subscribe(List.of(topic));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            processor.close();
            stopped.countDown();
        }, "pc-shutdown"));

        System.out.printf("parallel consumer: topic %s, group %s, ordering %s, maxConcurrency %d, POST to %s (HTTP/1.1)%n",
                topic, group, ordering, concurrency, url);
        processor.poll(context -> deliver(http, url, context));
        stopped.await();
    }

    /** POSTs the record's value; anything but a 2xx answer fails the record, which Parallel Consumer retries. */
    private static void deliver(HttpClient http, URI url, PollContext<byte[], byte[]> context) {
        byte[] value = context.value();
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(10))
                .POST(value == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(value))
                .build();
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status / 100 != 2) {
                throw new IllegalStateException("HTTP " + status + " for offset " + context.offset());
            }
        } catch (IOException e) {
            throw new IllegalStateException("POST failed for offset " + context.offset(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Properties consumerProperties(String bootstrap, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        // Parallel Consumer tracks and commits offsets itself and refuses a consumer that auto-commits
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private static String required(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing setting " + name);
        }
        return value;
    }
}
