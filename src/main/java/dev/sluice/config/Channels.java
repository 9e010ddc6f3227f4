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

    private Channels() {
    }
}
