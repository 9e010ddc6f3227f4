package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Readings of a running process: RSS from Linux /proc, Sluice's own gauges from /q/metrics. */
final class Proc {
    private Proc() {
    }

    /** Resident set size in MiB, or -1 where /proc is not readable. */
    static long rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * The values of the named series in a Prometheus text exposition, each summed over its labels
     * (a series whose labels contain {@code labelFilter}, when one is given, only).
     */
    static Map<String, Double> gauges(String exposition, Set<String> names, String labelFilter) {
        Map<String, Double> values = new HashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = line.substring(0, brace >= 0 ? brace : line.indexOf(' '));
            if (!names.contains(name) || (labelFilter != null && !line.contains(labelFilter))) {
                continue;
            }
            try {
                values.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
            } catch (NumberFormatException e) {
                // NaN or a malformed line: not a reading
            }
        }
        return values;
    }
}
