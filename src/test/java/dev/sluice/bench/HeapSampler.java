package dev.sluice.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Heap used by a JVM, read once a second by one long-running {@code jstat -gc <pid> 1000} (the
 * JVM's own performance counters: nothing is asked of the application, which under load may
 * answer HTTP slowly). Used = survivor spaces + eden + old generation.
 */
final class HeapSampler implements AutoCloseable {
    private final Process jstat;
    private volatile double usedMiB = -1;

    HeapSampler(long pid) {
        try {
            jstat = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-gc",
                    String.valueOf(pid), "1000").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Thread reader = new Thread(this::read, "jstat-" + pid);
        reader.setDaemon(true);
        reader.start();
    }

    /** Heap used at the last reading, in MiB; -1 before the first. */
    double usedMiB() {
        return usedMiB;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(jstat.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> header = null;
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 0 && f[0].equals("S0C")) {
                    header = Arrays.asList(f);
                } else if (header != null && f.length == header.size()) {
                    double kib = 0;
                    for (String column : List.of("S0U", "S1U", "EU", "OU")) {
                        kib += Double.parseDouble(f[header.indexOf(column)]);
                    }
                    usedMiB = kib / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the JVM went away: the last reading stands
        }
    }

    @Override
    public void close() {
        jstat.destroy();
    }
}
