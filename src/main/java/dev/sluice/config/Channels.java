package dev.sluice.config;

/**
 * Names of the Reactive Messaging channels Sluice declares in application.properties, each written
 * once here. Compile-time constants, so annotations ({@code @Channel}, {@code @ConfigProperty},
 * {@code @Identifier}) can use them; in the config package because every stage may read it.
 */
public final class Channels {
    /** The intake consumer: the topics of all routes. */
    public static final String INTAKE = "sluice-in";

    /** {@code mp.messaging.incoming.<INTAKE>.}: prefix of the intake consumer's properties. */
    public static final String INTAKE_PROPERTIES = "mp.messaging.incoming." + INTAKE + ".";

    /** The intake's rebalance listener ({@code consumer-rebalance-listener.name}). */
    public static final String INTAKE_REBALANCE_LISTENER = INTAKE + "-rebalance";

    /**
     * The dead-letter producer: one for all routes, the topic chosen per record. Spelled as the
     * default dead-letter <em>topic</em> ({@link ConfigKey#DEAD_LETTER_TOPIC}), which is a name on the
     * broker, not a channel: renaming one does not rename the other.
     */
    public static final String DEAD_LETTER = "sluice-dead-letter";

    /** {@code mp.messaging.outgoing.<DEAD_LETTER>.}: prefix of the dead-letter producer's properties. */
    public static final String DEAD_LETTER_PROPERTIES = "mp.messaging.outgoing." + DEAD_LETTER + ".";

    private Channels() {
    }
}
