package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/** The channel names in application.properties are the ones {@link Channels} declares for the code. */
class ChannelsTest {

    private static Properties applicationProperties() throws Exception {
        Properties p = new Properties();
        try (InputStream in = ChannelsTest.class.getResourceAsStream("/application.properties")) {
            p.load(in);
        }
        return p;
    }

    @Test
    void theOnlyIncomingChannelIsTheIntake() throws Exception {
        Set<String> incoming = new TreeSet<>();
        for (String key : applicationProperties().stringPropertyNames()) {
            if (key.startsWith("mp.messaging.incoming.")) {
                incoming.add(key.split("\\.")[3]);
            }
        }

        assertEquals(Set.of(Channels.INTAKE), incoming);
    }

    @Test
    void theOnlyOutgoingChannelOutsideDevModeIsTheDeadLetterProducer() throws Exception {
        // dev mode's demo producer (%dev.mp.messaging.outgoing.sluice-demo-out) is not read here: Properties keeps the profile prefix
        Set<String> outgoing = new TreeSet<>();
        for (String key : applicationProperties().stringPropertyNames()) {
            if (key.startsWith("mp.messaging.outgoing.")) {
                outgoing.add(key.split("\\.")[3]);
            }
        }

        assertEquals(Set.of(Channels.DEAD_LETTER), outgoing);
    }

    @Test
    void theDeadLetterChannelIsAKafkaProducerUnderItsPropertyPrefix() throws Exception {
        assertEquals("mp.messaging.outgoing." + Channels.DEAD_LETTER + ".", Channels.DEAD_LETTER_PROPERTIES);
        assertEquals("smallrye-kafka", applicationProperties().getProperty(Channels.DEAD_LETTER_PROPERTIES + "connector"));
    }

    @Test
    void theIntakeNamesTheRebalanceListenerTheCodeRegisters() throws Exception {
        assertEquals(Channels.INTAKE_REBALANCE_LISTENER,
                applicationProperties().getProperty(Channels.INTAKE_PROPERTIES + "consumer-rebalance-listener.name"));
    }
}
