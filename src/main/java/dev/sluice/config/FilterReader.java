package dev.sluice.config;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a route's {@code filters}, for {@link ConfigReader}: an array of filter objects, each with
 * exactly one of {@code exact}, {@code prefix}, {@code suffix} (an object of attribute name to
 * value), {@code all}, {@code any} (arrays of filters), {@code not} (one filter) or {@code cesql}
 * (an expression). Reports every problem with its path ({@code filters[1].any[0].exact.type},
 * {@code filters[0].cesql}: "syntax error at column 7: ..."). Bounded, since anyone who can PUT
 * a config can send a deep or wide one: at most {@value #MAX_FILTERS} filters per route in all,
 * nested at most {@value #MAX_DEPTH} deep.
 */
final class FilterReader {
    /** Most filter objects in one route, nested ones included. */
    static final int MAX_FILTERS = 64;
    /** Deepest nesting of all/any/not. */
    static final int MAX_DEPTH = 8;
    /** Most attributes in one exact, prefix or suffix. */
    static final int MAX_ATTRIBUTES = 16;
    /** Longest value an attribute is compared with. */
    static final int MAX_VALUE = 1024;

    /** CloudEvents attribute names: lower-case letters and digits (the spec recommends at most 20). */
    private static final Pattern CE_ATTRIBUTE = Pattern.compile("[a-z0-9]{1,20}");
    /** A Kafka header's name as a filter names it: visible ASCII. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!-~]{1,200}");
    private static final List<String> KINDS = List.of("exact", "prefix", "suffix", "all", "any", "not", "cesql");

    private final Consumer<ConfigProblem> report;
    private int count;

    private FilterReader(Consumer<ConfigProblem> report) {
        this.report = report;
    }

    /** The filters at {@code path}; the well-formed ones when some are not (the route is refused then anyway). */
    static List<RouteFilter> filters(JsonNode v, String path, Consumer<ConfigProblem> report) {
        return new FilterReader(report).list(v, path, 1);
    }

    private List<RouteFilter> list(JsonNode v, String path, int depth) {
        List<RouteFilter> out = new ArrayList<>();
        if (!v.isArray()) {
            report.accept(new ConfigProblem(path, "must be an array of filters"));
            return out;
        }
        if (depth > MAX_DEPTH) {
            report.accept(new ConfigProblem(path, "nested deeper than " + MAX_DEPTH));
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            RouteFilter f = filter(v.get(i), path + "[" + i + "]", depth);
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    private RouteFilter filter(JsonNode n, String path, int depth) {
        if (++count > MAX_FILTERS) {
            if (count == MAX_FILTERS + 1) {
                report.accept(new ConfigProblem(path, "more than " + MAX_FILTERS + " filters in one route"));
            }
            return null;
        }
        if (!n.isObject() || n.size() != 1) {
            report.accept(new ConfigProblem(path, "must be an object with exactly one of " + String.join(", ", KINDS)));
            return null;
        }
        Map.Entry<String, JsonNode> e = n.fields().next();
        String kind = e.getKey();
        JsonNode v = e.getValue();
        String field = path + "." + kind;
        return switch (kind) {
            case "exact" -> match(RouteFilter.Comparison.EXACT, v, field);
            case "prefix" -> match(RouteFilter.Comparison.PREFIX, v, field);
            case "suffix" -> match(RouteFilter.Comparison.SUFFIX, v, field);
            case "all" -> new RouteFilter.All(list(v, field, depth + 1));
            case "any" -> new RouteFilter.Any(list(v, field, depth + 1));
            case "not" -> {
                if (depth + 1 > MAX_DEPTH) {
                    report.accept(new ConfigProblem(field, "nested deeper than " + MAX_DEPTH));
                    yield null;
                }
                RouteFilter inner = filter(v, field, depth + 1);
                yield inner == null ? null : new RouteFilter.Not(inner);
            }
            case "cesql" -> sql(v, field);
            default -> {
                report.accept(new ConfigProblem(path + "." + kind, "unknown filter (known: " + String.join(", ", KINDS) + ")"));
                yield null;
            }
        };
    }

    private RouteFilter match(RouteFilter.Comparison comparison, JsonNode v, String field) {
        if (!v.isObject() || v.isEmpty()) {
            report.accept(new ConfigProblem(field, "must be an object of attribute name to value, e.g. {\"type\": \"order.created\"}"));
            return null;
        }
        if (v.size() > MAX_ATTRIBUTES) {
            report.accept(new ConfigProblem(field, "at most " + MAX_ATTRIBUTES + " attributes, was " + v.size()));
            return null;
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        boolean ok = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> a = it.next();
            String at = field + "." + a.getKey();
            String problem = attributeProblem(a.getKey());
            if (problem != null) {
                report.accept(new ConfigProblem(at, problem));
                ok = false;
            } else if (!a.getValue().isTextual()) {
                report.accept(new ConfigProblem(at, "must be a string"));
                ok = false;
            } else if (a.getValue().asText().length() > MAX_VALUE) {
                report.accept(new ConfigProblem(at, "longer than " + MAX_VALUE + " characters"));
                ok = false;
            } else {
                attributes.put(a.getKey(), a.getValue().asText());
            }
        }
        return ok ? new RouteFilter.Match(comparison, attributes) : null;
    }

    /** Why {@code name} names no attribute, or null when it does. */
    static String attributeProblem(String name) {
        if (name.equals(RouteFilter.KAFKA_KEY) || CE_ATTRIBUTE.matcher(name).matches()) {
            return null;
        }
        if (name.startsWith(RouteFilter.KAFKA_HEADER)) {
            return HEADER_NAME.matcher(name.substring(RouteFilter.KAFKA_HEADER.length())).matches() ? null
                    : "not a header name (1 to 200 visible ASCII characters after " + RouteFilter.KAFKA_HEADER + ")";
        }
        return "not an attribute: a CloudEvents attribute (lower-case letters and digits, at most 20), "
                + RouteFilter.KAFKA_KEY + " or " + RouteFilter.KAFKA_HEADER + "<name>";
    }

    private RouteFilter sql(JsonNode v, String field) {
        if (!v.isTextual()) {
            report.accept(new ConfigProblem(field, "must be a CESQL expression (a string)"));
            return null;
        }
        try {
            return new RouteFilter.Sql(v.asText());
        } catch (CesqlCheck.SyntaxException e) {
            report.accept(new ConfigProblem(field, e.getMessage()));
            return null;
        }
    }
}
