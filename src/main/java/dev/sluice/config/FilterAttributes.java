package dev.sluice.config;

import java.util.Set;

/**
 * What a {@link RouteFilter} sees of a record: its CloudEvents attributes by name, and its key and
 * headers under {@link RouteFilter#KAFKA_KEY} and {@link RouteFilter#KAFKA_HEADER}. The route stage
 * reads them off the record, from its {@code ce_} headers or its structured-mode JSON.
 */
public interface FilterAttributes {
    /** The CloudEvents context attributes; any other attribute is an extension. */
    Set<String> CONTEXT = Set.of("specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time");

    /** The attribute's value as text, or null when the record has none. */
    String text(String name);

    /**
     * The attribute's value as CESQL sees it: a String, an Integer or a Boolean (a structured-mode
     * extension keeps its JSON type), or null when absent.
     */
    Object typed(String name);

    /** The names of the CloudEvents extensions the record has (attributes other than the spec's own). */
    Set<String> extensionNames();
}
