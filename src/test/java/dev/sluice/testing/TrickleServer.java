package dev.sluice.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

/**
 * An HTTP target that never finishes an answer: once a request has arrived (its body is the
 * event id) it trickles one byte of the answer every {@code intervalMs}. On a path ending in
 * {@code /slow-headers} the status line and headers never end; on any other path the head of a
 * 200 goes at once and its million-byte body trickles. Plain TCP (a Vert.x NetServer), so it can
 * stall at any byte, which an HttpServer cannot.
 *
 * <p>A request counts as open from its arrival until its connection closes: so a request the
 * client gave up on but did not abort stays open. Measurements per path: requests open now and at
 * most, attempts per id, and how long each closed request stayed open.
 */
public final class TrickleServer implements AutoCloseable {
    private static final Pattern REQUEST_LINE = Pattern.compile("^[A-Z]+ (\\S+) HTTP/1\\.[01]\r\n");
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)\r\ncontent-length:[ \t]*(\\d+)");
    private static final byte[] HEADERS_START = "HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY_HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    /** One request, from its arrival to its connection's close ({@link System#nanoTime()}). */
    public record Exchange(String path, String id, long arrivedNanos, long closedNanos) {
        public long openMs() {
            return TimeUnit.NANOSECONDS.toMillis(closedNanos - arrivedNanos);
        }
    }

    /** Measurements of one path. */
    public static final class PathStats {
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicInteger maxOpen = new AtomicInteger();
        private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<Exchange> closed = new ConcurrentLinkedQueue<>();

        public int open() {
            return open.get();
        }

        /** Most requests open at the same time. */
        public int maxOpen() {
            return maxOpen.get();
        }

        public int attempts(String id) {
            AtomicInteger a = attempts.get(id);
            return a == null ? 0 : a.get();
        }

        /**
         * Most requests open at the same time, where a request counts as closed {@code lagMs} before
         * this server was told of its close: the close of an aborted connection reaches the server's
         * event loop after the client has already let go of it (and may have sent the next request),
         * a few ms later on a busy machine. A request the client really kept open overlaps the next
         * one by far more (a whole timeout), so it is still counted.
         */
        public int maxOpenAllowingCloseLag(long lagMs) {
            List<Exchange> all = closed();
            long lag = TimeUnit.MILLISECONDS.toNanos(lagMs);
            int max = 0;
            for (Exchange e : all) {
                int open = 0;
                for (Exchange f : all) {
                    if (f.arrivedNanos() <= e.arrivedNanos() && f.closedNanos() - lag > e.arrivedNanos()) {
                        open++;
                    }
                }
                max = Math.max(max, open);
            }
            return max;
        }

        /** Requests whose connection has closed. */
        public List<Exchange> closed() {
            return List.copyOf(closed);
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final NetServer server;
    private final long intervalMs;
    private final Map<String, PathStats> stats = new ConcurrentHashMap<>();

    public TrickleServer(long intervalMs) {
        this.intervalMs = intervalMs;
        this.server = vertx.createNetServer(new NetServerOptions().setHost("localhost").setPort(0))
                .connectHandler(this::connected);
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("trickle server did not start", e);
        }
    }

    public String url(String path) {
        return "http://localhost:" + server.actualPort() + path;
    }

    public PathStats stats(String path) {
        return stats.computeIfAbsent(path, p -> new PathStats());
    }

    /** One connection carries one request: its answer never ends, so the client cannot reuse it. */
    private void connected(NetSocket socket) {
        Connection c = new Connection(socket);
        socket.handler(c::received);
        socket.closeHandler(v -> c.closed());
    }

    private final class Connection {
        private final NetSocket socket;
        private Buffer received = Buffer.buffer();
        private PathStats path;
        private String pathName;
        private String id;
        private long arrived;
        private long timer = -1;
        private int sent;

        Connection(NetSocket socket) {
            this.socket = socket;
        }

        void received(Buffer data) {
            if (path != null) {
                return; // the request is in; anything more is not ours to read
            }
            received.appendBuffer(data);
            String text = received.toString(StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            Matcher line = REQUEST_LINE.matcher(text);
            if (headEnd < 0 || !line.find()) {
                return;
            }
            Matcher length = CONTENT_LENGTH.matcher(text.substring(0, headEnd + 2));
            // no length: no body (Sluice always sends one, so this is only a bad request)
            int bodyLength = length.find() ? Integer.parseInt(length.group(1)) : 0;
            if (text.length() < headEnd + 4 + bodyLength) {
                return;
            }
            arrived = System.nanoTime();
            pathName = line.group(1);
            id = new String(received.getBytes(headEnd + 4, headEnd + 4 + bodyLength), StandardCharsets.UTF_8);
            received = null;
            path = stats(pathName);
            path.maxOpen.accumulateAndGet(path.open.incrementAndGet(), Math::max);
            path.attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            boolean slowHeaders = pathName.endsWith("/slow-headers");
            if (!slowHeaders) {
                socket.write(Buffer.buffer(BODY_HEAD));
            }
            timer = vertx.setPeriodic(intervalMs, t -> socket.write(Buffer.buffer(new byte[] { nextByte(slowHeaders) })));
        }

        private byte nextByte(boolean slowHeaders) {
            int i = sent++;
            return slowHeaders && i < HEADERS_START.length ? HEADERS_START[i] : (byte) 'a';
        }

        void closed() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            if (path != null) {
                path.open.decrementAndGet();
                path.closed.add(new Exchange(pathName, id, arrived, System.nanoTime()));
            }
        }
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing a test server: nothing useful to do with a failure here
        }
    }
}
