import java.nio.file.*;
import java.util.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class Tool {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("broker")) {
            var b = dev.sluice.devkafka.EmbeddedKafkaBroker.start(Path.of(a[2]), Integer.parseInt(a[1]), Map.of());
            System.out.println("BROKER READY");
            Thread.sleep(Long.MAX_VALUE);
        } else if (a[0].equals("produce")) {
            Properties p = new Properties();
            p.put("bootstrap.servers", a[1]);
            p.put("key.serializer", ByteArraySerializer.class.getName());
            p.put("value.serializer", ByteArraySerializer.class.getName());
            p.put("acks", "all");
            try (var prod = new KafkaProducer<byte[], byte[]>(p)) {
                byte[] key = a[3].equals("-") ? null : a[3].getBytes();
                var md = prod.send(new ProducerRecord<>(a[2], key, a[4].getBytes())).get();
                System.out.println("produced " + md.topic() + "-" + md.partition() + "@" + md.offset());
            }
        } else if (a[0].equals("offsets")) {
            Properties p = new Properties();
            p.put("bootstrap.servers", a[1]);
            try (var admin = org.apache.kafka.clients.admin.Admin.create(p)) {
                System.out.println("committed " + admin.listConsumerGroupOffsets(a[2]).partitionsToOffsetAndMetadata().get());
            }
        } else if (a[0].equals("create")) {
            Properties p = new Properties();
            p.put("bootstrap.servers", a[1]);
            try (var admin = org.apache.kafka.clients.admin.Admin.create(p)) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(a[2], 1, (short) 1))).all().get();
                System.out.println("created " + a[2]);
            }
        }
    }
}
