package dev.sluice.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A benchmark's printed result: a header (what ran, the command that reproduces it, commit,
 * machine), then "name: value" lines. Printed to standard output and written to
 * target/bench-results-&lt;name&gt;.txt.
 */
final class Report {
    private final String name;
    private final StringBuilder out = new StringBuilder();

    Report(String name, String title, String command) {
        this.name = name;
        out.append("=== ").append(title).append(" ===\n");
        line("command", command);
        line("commit", Machine.commit());
        line("machine", Machine.describe());
        line("run at", Instant.now().toString());
    }

    Report line(String key, String value) {
        out.append(String.format("%-30s: %s%n", key, value));
        return this;
    }

    Report line(String key, String format, Object... args) {
        return line(key, String.format(format, args));
    }

    /** A heading inside the report. */
    Report section(String text) {
        out.append(text).append('\n');
        return this;
    }

    /** A block printed as it is (a profile summary). */
    Report block(String text) {
        out.append(text).append(text.endsWith("\n") ? "" : "\n");
        return this;
    }

    /** Prints the report and writes it to target/bench-results-&lt;name&gt;.txt. */
    void publish() {
        String text = out.toString();
        System.out.println(text);
        try {
            Files.writeString(Path.of("target", "bench-results-" + name + ".txt"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Progress while a long benchmark runs (standard output only). */
    static void progress(String format, Object... args) {
        System.out.printf("[bench %tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }

    /** "met" or "MISSED" for a figure against a target it must reach. */
    static String verdict(double value, double atLeast) {
        return value >= atLeast ? "met" : "MISSED";
    }
}
