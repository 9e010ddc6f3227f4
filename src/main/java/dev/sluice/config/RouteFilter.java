package dev.sluice.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.cloudevents.sql.Expression;
import io.cloudevents.sql.Result;

/**
 * One filter of a route ({@code filters}): which records the route takes, decided on the record's
 * CloudEvents attributes (binary or structured mode), its Kafka headers and its key. The dialect
 * is Knative Eventing's trigger filters: {@code exact}, {@code prefix} and {@code suffix} over
 * attribute values, {@code all}, {@code any} and {@code not} over filters, and {@code cesql}, a
 * CloudEvents SQL expression. A route takes a record when every one of its filters matches (an
 * empty list takes every record). Immutable; built and bounded by {@link FilterReader}.
 *
 * <p>Attribute names are those of CloudEvents (context attributes and extensions, lower case
 * letters and digits), {@value #KAFKA_KEY} (the record key as UTF-8) and
 * {@value #KAFKA_HEADER}{@code <name>} (a Kafka header's last value as UTF-8). An attribute the
 * record does not have matches no {@code exact}, {@code prefix} or {@code suffix}.
 */
public sealed interface RouteFilter {
    /** The record key, as UTF-8 text. */
    String KAFKA_KEY = "kafka.key";
    /** Prefix of a Kafka header's name: {@code kafka.header.x-tenant}. */
    String KAFKA_HEADER = "kafka.header.";

    /** Whether a record with these attributes passes this filter. */
    boolean matches(FilterAttributes record);

    /** How an attribute's value is compared with the filter's. */
    enum Comparison {
        EXACT("exact"), PREFIX("prefix"), SUFFIX("suffix");

        private final String key;

        Comparison(String key) {
            this.key = key;
        }

        /** The filter's key in the config document. */
        public String key() {
            return key;
        }

        boolean test(String actual, String wanted) {
            return switch (this) {
                case EXACT -> actual.equals(wanted);
                case PREFIX -> actual.startsWith(wanted);
                case SUFFIX -> actual.endsWith(wanted);
            };
        }
    }

    /** Every attribute named has a value that compares as {@code comparison} says (case-sensitive). */
    record Match(Comparison comparison, Map<String, String> attributes) implements RouteFilter {
        public Match {
            Objects.requireNonNull(comparison, "comparison");
            attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        }

        @Override
        public boolean matches(FilterAttributes record) {
            for (Map.Entry<String, String> a : attributes.entrySet()) {
                String actual = record.text(a.getKey());
                if (actual == null || !comparison.test(actual, a.getValue())) {
                    return false;
                }
            }
            return true;
        }

    }

    /** Every filter matches (none: true). */
    record All(List<RouteFilter> filters) implements RouteFilter {
        public All {
            filters = List.copyOf(filters);
        }

        @Override
        public boolean matches(FilterAttributes record) {
            for (RouteFilter f : filters) {
                if (!f.matches(record)) {
                    return false;
                }
            }
            return true;
        }

    }

    /** At least one filter matches (none: false). */
    record Any(List<RouteFilter> filters) implements RouteFilter {
        public Any {
            filters = List.copyOf(filters);
        }

        @Override
        public boolean matches(FilterAttributes record) {
            for (RouteFilter f : filters) {
                if (f.matches(record)) {
                    return true;
                }
            }
            return false;
        }

    }

    /** The filter does not match. */
    record Not(RouteFilter filter) implements RouteFilter {
        public Not {
            Objects.requireNonNull(filter, "filter");
        }

        @Override
        public boolean matches(FilterAttributes record) {
            return !filter.matches(record);
        }

    }

    /**
     * A CloudEvents SQL expression that evaluates to true. As the CESQL specification says, an
     * error while evaluating (a missing attribute, a failed cast) gives the default value of the
     * operation, false for a comparison, and the evaluation goes on: a record without the
     * attribute is declined, not refused. Equal by its text; compiled once, when the config is read.
     */
    record Sql(String expression, Expression compiled) implements RouteFilter {
        /** Compiles {@code expression}; throws {@link CesqlCheck.SyntaxException} naming the position of a syntax error. */
        public Sql(String expression) {
            this(expression, CesqlCheck.compile(expression));
        }

        public Sql {
            Objects.requireNonNull(expression, "expression");
            Objects.requireNonNull(compiled, "compiled");
        }

        @Override
        public boolean matches(FilterAttributes record) {
            Result r = compiled.evaluate(new CesqlEvent(record));
            return Boolean.TRUE.equals(r.value());
        }


        @Override
        public boolean equals(Object o) {
            return o instanceof Sql s && s.expression.equals(expression);
        }

        @Override
        public int hashCode() {
            return expression.hashCode();
        }

        @Override
        public String toString() {
            return "Sql[" + expression + "]";
        }
    }
}
