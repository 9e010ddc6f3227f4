package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.sluice.config.ConfigKey.Scope;
import io.quarkus.runtime.configuration.DurationConverter;

/**
 * README's configuration table is documentation, not a second source: every snapshot key has a row,
 * and the row states the default {@link ConfigKey} declares. Rows are read as GitHub renders the
 * table (cells split at unescaped pipes), so a reworded Meaning column or a reordered row does not
 * break the check, while a wrong or missing default does, naming the key.
 */
class ReadmeConfigTableTest {
    private static final List<String> COLUMNS = List.of("Key", "Default", "Meaning");
    private static final Pattern CODE = Pattern.compile("`([^`]*)`");
    private static final String ROUTE_PREFIX = "sluice.routes.<name>.";
    /** How the Default column says "no default" for a list key whose default is empty. */
    private static final Set<String> NONE = Set.of("none", "—", "-");

    /** The key as README spells it: the property, with {@code <name>} for the route's name. */
    private static String property(ConfigKey k) {
        return k.scope() == Scope.ROOT ? "sluice." + k.path() : ROUTE_PREFIX + k.path();
    }

    /** Key cell (without backticks) to Default cell, of every table with the columns Key, Default, Meaning. */
    private static Map<String, String> defaultsInReadme(List<String> readme, List<String> problems) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (int i = 0; i + 1 < readme.size(); i++) {
            if (!isRow(readme.get(i)) || !cells(readme.get(i)).equals(COLUMNS)) {
                continue;
            }
            for (int r = i + 2; r < readme.size() && isRow(readme.get(r)); r++) {
                List<String> cells = cells(readme.get(r));
                if (cells.size() < 2) {
                    problems.add("README row without a Default cell: " + readme.get(r));
                    continue;
                }
                String key = unquoted(cells.get(0));
                if (rows.put(key, cells.get(1)) != null) {
                    problems.add(key + ": listed twice in README's table");
                }
            }
        }
        return rows;
    }

    private static boolean isRow(String line) {
        return line.trim().startsWith("|");
    }

    /**
     * The cells of a table row, trimmed. As GitHub splits them: at every pipe not escaped with a
     * backslash, inside a code span too; the outer pipes are optional; {@code \|} reads as {@code |}.
     */
    static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        String line = row.trim();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|') {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString().trim());
        if (line.startsWith("|")) {
            cells.remove(0);
        }
        if (line.endsWith("|") && !line.endsWith("\\|")) {
            cells.remove(cells.size() - 1);
        }
        return cells;
    }

    private static String unquoted(String cell) {
        return cell.length() >= 2 && cell.startsWith("`") && cell.endsWith("`") ? cell.substring(1, cell.length() - 1).trim() : cell;
    }

    private static List<String> codeSpans(String cell) {
        List<String> spans = new ArrayList<>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) {
            spans.add(m.group(1).trim());
        }
        return spans;
    }

    /** What is wrong with {@code cell} as the Default of {@code k}, or null when it states ConfigKey's default. */
    static String mismatch(ConfigKey k, String cell) {
        String plain = CODE.matcher(cell).replaceAll("$1").trim().toLowerCase(Locale.ROOT);
        List<String> spans = codeSpans(cell);
        if (k.required()) {
            return plain.startsWith("required") ? null : "README's default is '" + cell + "', ConfigKey has none (required)";
        }
        if (k.defaultsTo() != null) {
            ConfigKey other = k.defaultsTo();
            boolean named = spans.stream().anyMatch(s -> s.equals(other.path()) || s.equals(other.leaf()) || s.equals(property(other)));
            return named ? null : "README's default is '" + cell + "', ConfigKey's is the value of " + other.path();
        }
        Object declared = k.defaultValue();
        if (declared == null || (declared instanceof List<?> list && list.isEmpty()) || (declared instanceof Map<?, ?> map && map.isEmpty())) {
            return NONE.contains(plain) ? null : "README's default is '" + cell + "', ConfigKey's is none (an empty list)";
        }
        if (spans.isEmpty()) {
            return "README's default '" + cell + "' has no `value`; ConfigKey's is " + declared;
        }
        Object shown;
        try {
            shown = typed(k, spans.get(0));
        } catch (RuntimeException e) {
            return "README's default `" + spans.get(0) + "` is not a " + k.type() + " (" + e.getMessage() + "); ConfigKey's is " + declared;
        }
        return declared.equals(shown) ? null : "README's default is `" + spans.get(0) + "`, ConfigKey's is " + declared;
    }

    /** A value as ConfigKey types its default, so "200ms" and "0.2s" compare equal. */
    private static Object typed(ConfigKey k, String text) {
        return switch (k.type()) {
            case INT -> Integer.valueOf(text);
            case NUMBER -> Double.valueOf(text);
            case BOOLEAN -> Boolean.valueOf(text);
            case DURATION -> DurationConverter.parseDuration(text);
            case TEXT -> text;
            case TOPICS, STRINGS -> List.of(text.split("\\s*,\\s*"));
            case HEADERS, SECRETS, FILTERS, OAUTH2, TLS -> throw new IllegalArgumentException("no default but none");
        };
    }

    @Test
    void everySnapshotKeyHasARowWithItsDeclaredDefault() throws Exception {
        List<String> problems = new ArrayList<>();
        Map<String, String> rows = defaultsInReadme(Files.readAllLines(Path.of("README.md")), problems);
        assertFalse(rows.isEmpty(), "README has no table with the columns " + String.join(" | ", COLUMNS));

        for (ConfigKey k : ConfigKey.values()) {
            if (k == ConfigKey.ROUTE_NAME) {
                continue; // in properties the name is the map key (sluice.routes.<name>.*), not a key of its own
            }
            String cell = rows.get(property(k));
            String wrong = cell == null ? "no row in README's configuration table" : mismatch(k, cell);
            if (wrong != null) {
                problems.add(property(k) + ": " + wrong);
            }
        }
        // a route key is a snapshot key, so every route row must be one (root rows also hold startup-only settings)
        for (String key : rows.keySet()) {
            if (key.startsWith(ROUTE_PREFIX) && ConfigKey.of(Scope.ROUTE).stream().noneMatch(k -> property(k).equals(key))) {
                problems.add(key + ": a row in README's table, but no such ConfigKey");
            }
        }

        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void cellsAreSplitAsGitHubRendersTheTable() {
        assertEquals(List.of("`sluice.x`", "`0` (off)", "a | b"), cells("| `sluice.x` | `0` (off) | a \\| b |"));
        assertEquals(List.of("`sluice.x`", "`1`"), cells("  `sluice.x` |  `1`  "));
    }

    @Test
    void aDefaultIsComparedAsItsKeyTypesIt() {
        assertNull(mismatch(ConfigKey.RETRY_INITIAL_BACKOFF, "`0.2s`"));
        assertNull(mismatch(ConfigKey.RATE_PER_SECOND, "`0` (off)"));
        assertNull(mismatch(ConfigKey.TOPICS, "required"));
        assertNull(mismatch(ConfigKey.RATE_BURST, "`per-second`"));
        assertNull(mismatch(ConfigKey.ADAPTIVE_MAX, "the route's `max-in-flight`"));
        assertNull(mismatch(ConfigKey.FORWARD_HEADERS, "none"));
        assertEquals("README's default is `6`, ConfigKey's is 5", mismatch(ConfigKey.RETRY_MAX_ATTEMPTS, "`6`"));
        assertEquals("README's default is 'none', ConfigKey's is the value of rate-limit.per-second",
                mismatch(ConfigKey.RATE_BURST, "none"));
        assertTrue(mismatch(ConfigKey.TIMEOUT, "`soon`").startsWith("README's default `soon` is not a DURATION"));
    }
}
