package dev.sluice.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.ConfigProblem;
import dev.sluice.redrive.DeadLetterFilter;
import dev.sluice.redrive.RedriveState;
import dev.sluice.redrive.Redrives;
import io.smallrye.common.annotation.Blocking;

/**
 * Redrives: POST /admin/redrives sends a selection of a route's dead letters through the route
 * again as a tracked operation; GET lists them or shows one (progress and counts); POST
 * /admin/redrives/{id}/cancel stops one. Starting and cancelling need the admin token, reading the
 * admin or the read token.
 */
@Path("/admin/redrives")
@Produces(MediaType.APPLICATION_JSON)
public class RedriveResource {
    private static final Set<String> FIELDS = Set.of("route", "deadLetters", "partition", "fromOffset", "toOffset", "from",
            "to", "reason", "status", "key");
    private final Redrives redrives;
    private final ObjectMapper mapper;

    RedriveResource(Redrives redrives, ObjectMapper mapper) {
        this.redrives = redrives;
        this.mapper = mapper;
    }

    @POST
    @Blocking
    @AdminAuth.Mutating
    @Consumes(MediaType.WILDCARD)
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "Redrive dead letters through their route", description = "Body: route (required); narrowed by "
            + "deadLetters [{partition, offset}] (at most 1000), partition with fromOffset/toOffset, from/to (when "
            + "dead-lettered), reason, status, key. Without them: every dead letter of the route in its topic now. Runs "
            + "under the route's limits, each key in offset order, with the original Idempotency-Key; survives a restart.")
    @APIResponse(responseCode = "202", description = "started; body: the redrive; Location: its URL")
    @APIResponse(responseCode = "400", description = "problems[{field, message}]")
    @APIResponse(responseCode = "503", description = "the redrive topic is not read yet, the replica drains, or as many "
            + "redrives run as it allows")
    public Response start(String body) {
        List<ConfigProblem> problems = new ArrayList<>();
        Redrives.Request request = parse(body, problems);
        if (!problems.isEmpty()) {
            return DeadLetterResource.invalid(problems);
        }
        try {
            RedriveState s = redrives.start(request);
            return Response.accepted(view(s)).header("Location", "/admin/redrives/" + s.id()).build();
        } catch (Redrives.Refused e) {
            return DeadLetterResource.invalid(List.of(new ConfigProblem(e.field(), e.getMessage())));
        } catch (Redrives.Unavailable e) {
            return Response.status(503).header("Retry-After", "5").entity(Map.of("error", e.getMessage())).build();
        } catch (RuntimeException e) {
            return Response.status(503).entity(Map.of("error", "redrive not started: " + e.getMessage())).build();
        }
    }

    @GET
    @AdminAuth.Reading
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "The redrives every replica sees, newest first (the last 200 finished ones kept)")
    public Map<String, Object> list() {
        return Map.of("redrives", redrives.list().stream().map(RedriveResource::view).toList());
    }

    @GET
    @Path("/{id}")
    @AdminAuth.Reading
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "One redrive: status, progress, counts")
    public Response get(@PathParam("id") String id) {
        return redrives.get(id).map(s -> Response.ok(view(s)).build())
                .orElseGet(() -> Response.status(404).entity(Map.of("error", "no redrive " + cut(id))).build());
    }

    @POST
    @Path("/{id}/cancel")
    @Blocking
    @AdminAuth.Mutating
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "Stop a redrive: nothing new is sent, what is under way finishes; status becomes cancelled")
    public Response cancel(@PathParam("id") String id) {
        try {
            return redrives.cancel(id).map(s -> Response.accepted(view(s)).build())
                    .orElseGet(() -> Response.status(404).entity(Map.of("error", "no redrive " + cut(id))).build());
        } catch (RuntimeException e) {
            return Response.status(503).entity(Map.of("error", "cancel not written: " + e.getMessage())).build();
        }
    }

    private Redrives.Request parse(String body, List<ConfigProblem> problems) {
        JsonNode doc;
        try {
            doc = body == null || body.isBlank() ? null : mapper.readTree(body);
        } catch (JsonProcessingException e) {
            problems.add(new ConfigProblem("$", "malformed JSON: " + e.getOriginalMessage()));
            return null;
        }
        if (doc == null || !doc.isObject()) {
            problems.add(new ConfigProblem("$", "must be a JSON object with at least \"route\""));
            return null;
        }
        for (Iterator<String> it = doc.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                problems.add(new ConfigProblem(cut(f), "unknown field (known: " + String.join(", ", FIELDS.stream().sorted().toList()) + ")"));
            }
        }
        String route = text(doc, "route", problems);
        if (route == null && problems.stream().noneMatch(p -> p.field().equals("route"))) {
            problems.add(new ConfigProblem("route", "required: the route whose dead letters to redrive"));
        }
        List<long[]> selected = null;
        JsonNode list = doc.get("deadLetters");
        if (list != null && !list.isNull()) {
            if (!list.isArray() || list.size() == 0 || list.size() > Redrives.MAX_SELECTED) {
                problems.add(new ConfigProblem("deadLetters", "must be a list of 1 to " + Redrives.MAX_SELECTED
                        + " {\"partition\": p, \"offset\": o}"));
            } else {
                selected = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    JsonNode d = list.get(i);
                    JsonNode p = d.get("partition");
                    JsonNode o = d.get("offset");
                    if (p == null || o == null || !p.canConvertToInt() || !o.canConvertToLong() || !p.isIntegralNumber()
                            || !o.isIntegralNumber() || p.asInt() < 0 || o.asLong() < 0) {
                        problems.add(new ConfigProblem("deadLetters[" + i + "]", "must be {\"partition\": p, \"offset\": o}, "
                                + "whole numbers from 0"));
                    } else {
                        selected.add(new long[] {p.asInt(), o.asLong()});
                    }
                }
            }
        }
        Long p = whole(doc, "partition", problems, Integer.MAX_VALUE);
        Integer partition = p == null ? null : p.intValue();
        Long fromOffset = whole(doc, "fromOffset", problems, Long.MAX_VALUE);
        Long toOffset = whole(doc, "toOffset", problems, Long.MAX_VALUE);
        if (partition == null && (fromOffset != null || toOffset != null)) {
            problems.add(new ConfigProblem("partition", "required with fromOffset and toOffset: offsets are per partition"));
        }
        Long fromMs = DeadLetterResource.instant(text(doc, "from", problems), "from", problems);
        Long toMs = DeadLetterResource.instant(text(doc, "to", problems), "to", problems);
        String reason = text(doc, "reason", problems);
        String key = text(doc, "key", problems);
        DeadLetterResource.text(reason, "reason", problems);
        DeadLetterResource.text(key, "key", problems);
        Long status = whole(doc, "status", problems, 599);
        if (status != null && status < 100) {
            problems.add(new ConfigProblem("status", "must be an HTTP status from 100 to 599"));
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new Redrives.Request(route, new DeadLetterFilter(route, reason, status == null ? null : status.intValue(), key,
                fromMs, toMs), selected, partition, fromOffset, toOffset);
    }

    private static String text(JsonNode doc, String field, List<ConfigProblem> problems) {
        JsonNode n = doc.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().isEmpty()) {
            problems.add(new ConfigProblem(field, "must be a non-empty string"));
            return null;
        }
        return n.asText();
    }

    private static Long whole(JsonNode doc, String field, List<ConfigProblem> problems, long max) {
        JsonNode n = doc.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0 || n.asLong() > max) {
            if (problems.stream().noneMatch(p -> p.field().equals(field))) {
                problems.add(new ConfigProblem(field, "must be a whole number from 0 to " + max));
            }
            return null;
        }
        return n.asLong();
    }

    static Map<String, Object> view(RedriveState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("route", s.route());
        m.put("deadLetterTopic", s.deadLetterTopic());
        m.put("status", s.status());
        m.put("runner", s.owner());
        m.put("createdAt", Instant.ofEpochMilli(s.createdMs()).toString());
        m.put("updatedAt", Instant.ofEpochMilli(s.updatedMs()).toString());
        Map<String, Object> selection = new LinkedHashMap<>();
        Map<String, Object> ranges = new LinkedHashMap<>();
        s.ranges().forEach((p, r) -> ranges.put(String.valueOf(p), Map.of("fromOffset", r[0], "toOffset", r[1])));
        selection.put("ranges", ranges);
        if (s.selected() != null) {
            selection.put("deadLetters", s.selected().size());
        }
        DeadLetterFilter f = s.filter();
        Map<String, Object> filter = new LinkedHashMap<>();
        if (f != null) {
            filter.put("reason", f.reason());
            filter.put("status", f.status());
            filter.put("key", f.key());
            filter.put("from", f.fromMs() == null ? null : Instant.ofEpochMilli(f.fromMs()).toString());
            filter.put("to", f.toMs() == null ? null : Instant.ofEpochMilli(f.toMs()).toString());
        }
        selection.put("filter", filter);
        m.put("selection", selection);
        m.put("progress", Map.of("read", s.read(), "total", s.total()));
        m.put("delivered", s.delivered());
        m.put("deadLetteredAgain", s.deadLettered());
        m.put("notRedrivable", s.notRedrivable());
        m.put("error", s.error());
        return m;
    }

    private static String cut(String s) {
        return s == null ? "" : s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
