package dev.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The packaged application (target/quarkus-app) running as a separate process, the way it runs in
 * production: real signals, real exit codes. Its output goes to a log file under target/.
 */
public final class SluiceProcess implements AutoCloseable {
    private static final ObjectMapper STATUS_JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:]+:(\\d+)");

    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /**
     * HTTP/1.1, as curl and most admin scripts speak it: over h2c a refused oversize body ends
     * the whole connection (GOAWAY) and fails the requests that share it.
     */
    private final HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private int port = -1;

    private SluiceProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The packaged app's directory: target/quarkus-app unless the build says otherwise. */
    public static Path appDir() {
        return Path.of(System.getProperty("test.sluice.app.dir", "target/quarkus-app"));
    }

    /** Starts the packaged app with these config properties (as -D flags) and extra JVM flags. */
    public static SluiceProcess start(String name, Map<String, String> config, List<String> jvmFlags) {
        return start(name, config, jvmFlags, Path.of(""));
    }

    /**
     * As {@link #start(String, Map, List)}, in this working directory (Quarkus reads
     * {@code config/application.properties} there, as in the container image).
     */
    public static SluiceProcess start(String name, Map<String, String> config, List<String> jvmFlags, Path workingDir) {
        return start(name, appDir(), config, jvmFlags, workingDir);
    }

    /**
     * As {@link #start(String, Map, List, Path)}, from the packaged app in {@code appDir} (a
     * benchmark runs another build, e.g. main's, beside this one).
     */
    public static SluiceProcess start(String name, Path appDir, Map<String, String> config, List<String> jvmFlags,
            Path workingDir) {
        return start(name, appDir, config, jvmFlags, workingDir, Map.of());
    }

    /**
     * As {@link #start(String, Map, List)}, with {@code environment} added to this process's
     * environment (what a Kubernetes pod gets from {@code env:} / {@code secretKeyRef}).
     */
    public static SluiceProcess start(String name, Map<String, String> config, List<String> jvmFlags,
            Map<String, String> environment) {
        return start(name, appDir(), config, jvmFlags, Path.of(""), environment);
    }

    private static SluiceProcess start(String name, Path appDir, Map<String, String> config, List<String> jvmFlags,
            Path workingDir, Map<String, String> environment) {
        Path jar = appDir.resolve("quarkus-run.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests with ./mvnw verify (they need the package phase)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        // an OutOfMemoryError leaves its heap (java_pid<pid>.hprof) beside the process log, for the record
        cmd.add("-XX:+HeapDumpOnOutOfMemoryError");
        cmd.add("-XX:HeapDumpPath=" + Path.of("target", "process-logs").toAbsolutePath());
        cmd.add("-Dquarkus.http.port=0");
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        Path log = Path.of("target", "process-logs", name + "-" + System.currentTimeMillis() + ".log");
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(workingDir.toAbsolutePath().toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(environment);
            Process p = pb.start();
            return new SluiceProcess(p, log);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the app listens and /q/health/ready says UP. */
    public SluiceProcess awaitReady(Duration timeout) {
        return awaitHttp(timeout, true);
    }

    /** Waits until the app listens for HTTP, ready or not. */
    public SluiceProcess awaitListening(Duration timeout) {
        return awaitHttp(timeout, false);
    }

    private SluiceProcess awaitHttp(Duration timeout, boolean ready) {
        try {
            // an exception in the condition (the process exited) ends the wait at once
            Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                    .until(() -> answers(ready));
            return this;
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("sluice not " + (ready ? "ready" : "listening") + " within " + timeout + "; log "
                    + log + ":\n" + tail());
        }
    }

    /** Whether the app answers (ready, or at all); fails if the process has exited. */
    private boolean answers(boolean ready) {
        if (!process.isAlive()) {
            throw new IllegalStateException("sluice exited with " + process.exitValue() + "; log " + log + ":\n" + tail());
        }
        if (port < 0) {
            Matcher m = LISTENING.matcher(logText());
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
        }
        return port > 0 && (ready ? get("/q/health/ready") == 200 : get("/q/health/live") > 0);
    }

    /** The HTTP port the app listens on (known once it listens). */
    public int port() {
        return port;
    }

    /** HTTP status of a GET on the app, or -1 when it does not answer. */
    public int get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Body of a GET on the app (throws when it does not answer). */
    /** {@code GET /admin/status}, parsed. */
    public JsonNode status() {
        try {
            return STATUS_JSON.readTree(getBody("/admin/status"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One route's entry of {@link #status()}; fails if the route is not there. */
    public static JsonNode routeStatus(JsonNode status, String name) {
        for (JsonNode r : status.path("routes")) {
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no route " + name + " in " + status);
    }

    public String getBody(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** PUT with a bearer token; returns status and body. */
    public HttpResponse<String> put(String path, String body, String token) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Any request over HTTP/1.1: {@code headers} as given, {@code body} as raw bytes (null: none). Returns null
     * when the connection failed or was closed before an answer (never a made-up status).
     */
    public HttpResponse<String> request(String method, String path, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        try {
            return http1.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Heap in use after a full GC, in MiB, as the JVM reports it ({@code jcmd GC.run}, then
     * {@code GC.heap_info}): what the process keeps, not what it has not collected yet.
     */
    public long liveHeapMiB() {
        jcmd("GC.run");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(jcmd("GC.heap_info"));
        if (!m.find()) {
            throw new IllegalStateException("no heap figure from jcmd GC.heap_info");
        }
        return Long.parseLong(m.group(1)) / 1024;
    }

    private String jcmd(String command) {
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(pid()), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + command + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** POST with a bearer token; returns status and body. */
    public HttpResponse<String> post(String path, String body, String token) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: no shutdown hook, no drain, no commit. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** SIGTERM: the graceful path. Returns the exit code. */
    public int terminate(Duration timeout) {
        process.destroy();
        return waitFor(timeout);
    }

    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("sluice did not exit within " + timeout);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private String tail() {
        String text = logText();
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }


    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(30));
        }
    }

    /** Resident set size of the process in MiB (Linux /proc), or -1. */
    public long rssMiB() {
        try {
            for (String line : Files.readAllLines(new File("/proc/" + pid() + "/status").toPath())) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
