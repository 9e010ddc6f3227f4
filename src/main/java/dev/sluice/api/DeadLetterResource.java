package dev.sluice.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import dev.sluice.config.ConfigProblem;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.redrive.DeadLetter;
import dev.sluice.redrive.DeadLetterBrowser;
import dev.sluice.redrive.DeadLetterFilter;
import io.smallrye.mutiny.Uni;

/**
 * GET /admin/dead-letters: a route's dead letters, a page at a time, with the reason headers, where
 * each came from and a preview of its value. It shows record data, so it needs the admin or the
 * read token; a header that looks like a credential is shown as {@code ***}.
 */
@Path("/admin/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
public class DeadLetterResource {
    static final int VALUE_PREVIEW_BYTES = 512;
    static final int HEADER_VALUE_CHARS = 256;
    static final int MAX_HEADERS_SHOWN = 64;
    private static final Set<String> CREDENTIAL_NAMES = Set.of("authorization", "proxy-authorization", "cookie",
            "cookie2", "set-cookie", "x-api-key", "api-key", "webhook-signature");
    private static final List<String> CREDENTIAL_PARTS = List.of("token", "secret", "password", "passwd", "credential",
            "auth", "session", "signature", "apikey", "api-key", "api_key", "private");

    private final CurrentConfig config;
    private final DeadLetterBrowser browser;

    DeadLetterResource(CurrentConfig config, DeadLetterBrowser browser) {
        this.config = config;
        this.browser = browser;
    }

    @GET
    @AdminAuth.Reading
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "A route's dead letters, a page at a time", description = "Newest (default) or oldest first; "
            + "filters: reason (contains, case-insensitive), status (last HTTP status), key, from/to (when dead-lettered, "
            + "ISO-8601 or epoch ms). Pass the answer's next as cursor for the following page; complete=false: the page "
            + "stopped at its scan bound, next goes on.")
    @APIResponse(responseCode = "200", description = "items, next, scanned, complete")
    @APIResponse(responseCode = "400", description = "a parameter is invalid: problems[{field, message}]")
    @APIResponse(responseCode = "503", description = "the listing readers are busy, or the broker did not answer")
    public Uni<Response> list(@QueryParam("route") String route, @QueryParam("order") String order,
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor, @QueryParam("reason") String reason,
            @QueryParam("status") String status, @QueryParam("key") String key, @QueryParam("from") String from,
            @QueryParam("to") String to) {
        List<ConfigProblem> problems = new ArrayList<>();
        Route r = route(route, problems);
        boolean newest = order == null || order.equals("newest");
        if (!newest && !order.equals("oldest")) {
            problems.add(new ConfigProblem("order", "must be newest or oldest"));
        }
        int pageSize = number(limit, "limit", 20, 1, DeadLetterBrowser.MAX_LIMIT, problems);
        Integer httpStatus = status == null || status.isEmpty() ? null : number(status, "status", 0, 100, 599, problems);
        Long fromMs = instant(from, "from", problems);
        Long toMs = instant(to, "to", problems);
        text(reason, "reason", problems);
        text(key, "key", problems);
        if (!problems.isEmpty()) {
            return Uni.createFrom().item(invalid(problems));
        }
        DeadLetterFilter filter = new DeadLetterFilter(r.name(), reason, httpStatus, key, fromMs, toMs);
        Uni<DeadLetterBrowser.Page> page;
        try {
            page = browser.page(r.deadLetterTopic(), filter, newest, pageSize, cursor);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(invalid(List.of(new ConfigProblem("cursor", e.getMessage()))));
        }
        return page.map(p -> Response.ok(body(r, newest, p)).build())
                .onFailure(DeadLetterBrowser.Busy.class).recoverWithItem(t -> Response.status(503)
                        .header("Retry-After", "1").entity(Map.of("error", t.getMessage())).build())
                .onFailure().recoverWithItem(t -> Response.status(503)
                        .entity(Map.of("error", "cannot read dead-letter topic " + r.deadLetterTopic() + ": " + t.getMessage()))
                        .build());
    }

    private Route route(String name, List<ConfigProblem> problems) {
        var current = config.versioned();
        if (name == null || name.isEmpty()) {
            problems.add(new ConfigProblem("route", "required: the route whose dead letters to list"));
            return null;
        }
        Optional<Route> r = current.value().routes().stream().filter(x -> x.name().equals(name)).findFirst();
        if (r.isEmpty()) {
            problems.add(new ConfigProblem("route", "no route named \"" + cut(name, 64) + "\" in the config in force (version "
                    + current.version() + ")"));
            return null;
        }
        return r.get();
    }

    static int number(String text, String field, int absent, int min, int max, List<ConfigProblem> problems) {
        if (text == null || text.isEmpty()) {
            return absent;
        }
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        problems.add(new ConfigProblem(field, "must be a whole number from " + min + " to " + max));
        return absent;
    }

    /** ISO-8601 instant or epoch milliseconds; null when absent. */
    static Long instant(String text, String field, List<ConfigProblem> problems) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return text.chars().allMatch(Character::isDigit) && text.length() < 19 ? Long.parseLong(text)
                    : Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | NumberFormatException e) {
            problems.add(new ConfigProblem(field, "must be an ISO-8601 instant (2026-12-03T10:15:30Z) or epoch milliseconds"));
            return null;
        }
    }

    static void text(String text, String field, List<ConfigProblem> problems) {
        if (text != null && text.length() > DeadLetterFilter.MAX_TEXT) {
            problems.add(new ConfigProblem(field, "at most " + DeadLetterFilter.MAX_TEXT + " characters"));
        }
    }

    static Response invalid(List<ConfigProblem> problems) {
        return Response.status(Response.Status.BAD_REQUEST)
                .entity(Map.of("error", "invalid request; nothing was read or changed", "problems", problems)).build();
    }

    private static Map<String, Object> body(Route r, boolean newest, DeadLetterBrowser.Page p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("route", r.name());
        body.put("deadLetterTopic", r.deadLetterTopic());
        body.put("order", newest ? "newest" : "oldest");
        body.put("items", p.items().stream().map(DeadLetterResource::item).toList());
        body.put("next", p.next());
        body.put("scanned", p.scanned());
        body.put("complete", p.complete());
        return body;
    }

    static Map<String, Object> item(DeadLetter d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partition", d.partition());
        m.put("offset", d.offset());
        m.put("deadLetteredAt", Instant.ofEpochMilli(d.timestamp()).toString());
        putBytes(m, "key", d.key(), HEADER_VALUE_CHARS);
        m.put("reason", d.reason());
        m.put("httpStatus", d.httpStatus() == 0 ? null : d.httpStatus());
        m.put("attempts", d.attempts());
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("topic", d.sourceTopic());
        source.put("partition", d.sourcePartition());
        source.put("offset", d.sourceOffset());
        m.put("source", source);
        Map<String, String> headers = new LinkedHashMap<>();
        int more = 0;
        for (Header h : d.headers()) {
            String name = h.key();
            if (name == null || DeadLetter.added(name)) {
                continue;
            }
            if (headers.size() >= MAX_HEADERS_SHOWN) {
                more++;
                continue;
            }
            headers.put(cut(name, 128), credential(name) ? "***" : shown(h.value(), HEADER_VALUE_CHARS));
        }
        m.put("headers", headers);
        if (more > 0) {
            m.put("moreHeaders", more);
        }
        String dropped = d.header("dead-letter-value-dropped");
        if (dropped != null) {
            m.put("valueDropped", dropped);
        }
        m.put("valueBytes", d.value() == null ? null : d.value().length);
        putBytes(m, "value", d.value(), VALUE_PREVIEW_BYTES);
        String why = d.unredrivable();
        if (why != null) {
            m.put("notRedrivable", why);
        }
        return m;
    }

    /** A header whose name says it carries a credential: its value is never shown. */
    static boolean credential(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return CREDENTIAL_NAMES.contains(lower) || lower.startsWith("proxy-")
                || CREDENTIAL_PARTS.stream().anyMatch(lower::contains);
    }

    /** "name": text when the first {@code max} bytes are UTF-8, else "nameBase64"; "nameTruncated" when cut. */
    private static void putBytes(Map<String, Object> m, String name, byte[] bytes, int max) {
        if (bytes == null) {
            m.put(name, null);
            return;
        }
        int n = Math.min(bytes.length, max);
        String text = utf8(bytes, n);
        if (text != null) {
            m.put(name, text);
        } else {
            m.put(name + "Base64", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(bytes, n)));
        }
        if (n < bytes.length) {
            m.put(name + "Truncated", true);
        }
    }

    private static String shown(byte[] value, int maxChars) {
        if (value == null) {
            return null;
        }
        String text = utf8(value, Math.min(value.length, maxChars * 4));
        return text == null ? "base64:" + cut(Base64.getEncoder().encodeToString(value), maxChars) : cut(text, maxChars);
    }

    /** The first {@code n} bytes as UTF-8 (a character cut at the end is left out), or null when they are not. */
    private static String utf8(byte[] bytes, int n) {
        for (int drop = 0; drop <= 3 && drop <= n; drop++) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n - drop))
                        .toString();
            } catch (CharacterCodingException e) {
                if (n == bytes.length) {
                    return null; // not cut: a malformed sequence, not a cut character
                }
            }
        }
        return null;
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
