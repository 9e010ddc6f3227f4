package dev.sluice.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.config.ConfigJson;
import dev.sluice.config.ConfigNotInForceException;
import dev.sluice.config.ConfigProblem;
import dev.sluice.config.ConfigTopic;
import dev.sluice.config.CurrentConfig;
import dev.sluice.config.DeadLetterTopicCheck;
import dev.sluice.config.InvalidConfigException;
import dev.sluice.config.ProgressBound;
import dev.sluice.config.Secrets;
import dev.sluice.config.SluiceSettings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.Watch;
import io.smallrye.mutiny.Uni;

/**
 * Admin API for the live configuration.
 * <ul>
 * <li>GET /admin/config: the config in force, with its version (also as ETag).</li>
 * <li>PUT /admin/config: validate, write to the config topic (every replica follows it), answer
 * once applied here; If-Match: "version" makes it conditional (412 when stale). Bad input: 400 listing every problem with its field path; the old config stays.</li>
 * <li>POST /admin/config/validate: the same checks, nothing changes.</li>
 * </ul>
 * Bodies are read as text and parsed here, so malformed JSON is a 400 like any other problem.
 */
@Path("/admin/config")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {
    private final CurrentConfig config;
    private final ConfigTopic topic;
    private final ObjectMapper mapper;
    private final Duration stuckAfter;
    private final DeadLetterTopicCheck deadLetterTopics;
    private final Secrets secrets;

    AdminResource(CurrentConfig config, ConfigTopic topic, ObjectMapper mapper, SluiceSettings settings,
            DeadLetterTopicCheck deadLetterTopics, Secrets secrets) {
        this.secrets = secrets;
        this.stuckAfter = settings.health().stuckAfter();
        this.deadLetterTopics = deadLetterTopics;
        this.config = config;
        this.topic = topic;
        this.mapper = mapper;
    }

    @GET
    @AdminAuth.Reading
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "The config in force, with its version (also as ETag); credentials in target URLs are redacted")
    public Response get() {
        Watch.Versioned<SluiceConfig> current = config.versioned();
        return Response.ok(document(current)).tag(etag(current.version())).build();
    }

    @PUT
    @AdminAuth.Mutating
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "Replace the live config", description = "Validates, writes to the config topic, answers once "
            + "applied on this replica. If-Match: \"<version>\" makes it conditional. 400 lists every problem with its "
            + "field path; the config in force stays.")
    @APIResponse(responseCode = "200", description = "applied; body: version and config")
    @APIResponse(responseCode = "400", description = "invalid (a missing dead-letter topic that cannot be created "
            + "included, and a secret that cannot be read); body: problems[{field, message}]")
    @APIResponse(responseCode = "401", description = "no bearer token")
    @APIResponse(responseCode = "403", description = "wrong bearer token")
    @APIResponse(responseCode = "409", description = "the config topic cannot put this config in force (re-created, "
            + "not compacted, versions went backwards): the body says why and how to repair")
    @APIResponse(responseCode = "412", description = "If-Match names a stale version")
    @APIResponse(responseCode = "503", description = "no admin token configured, or the config topic is unreachable")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> put(String body, @HeaderParam("If-Match") String ifMatch) {
        SluiceConfig next;
        try {
            next = parse(body);
        } catch (InvalidConfigException e) {
            return Uni.createFrom().item(invalid(e));
        }
        if (ifMatch != null && !ifMatch.isBlank() && !ifMatch.trim().equals("*")) {
            long expected;
            try {
                expected = Long.parseLong(ifMatch.trim().replace("W/", "").replace("\"", ""));
            } catch (NumberFormatException e) {
                return Uni.createFrom().item(invalid(List.of(new ConfigProblem("If-Match", "must be a config version such as \"3\""))));
            }
            // checked against this replica's view: two PUTs racing on two replicas within the
            // propagation time both pass, and the later write wins
            long current = config.versioned().version();
            if (expected != current) {
                // RFC 9110 13.1.1: a failed If-Match is 412 Precondition Failed
                return Uni.createFrom().item(Response.status(Response.Status.PRECONDITION_FAILED).tag(etag(current))
                        .entity(Map.of("error", "stale version: If-Match " + expected + ", current is " + current,
                                "version", current))
                        .build());
            }
        }
        // a secret that cannot be read, or a dead-letter topic that is missing and cannot be
        // created, is a 400 like any bad field
        return answer(secrets.ensure(next).chain(() -> deadLetterTopics.ensure(next)).chain(() -> topic.write(next)));
    }

    /**
     * The operator's way out when the config topic lost its history (deleted and re-created,
     * versions gone backwards; see {@code sluice-config-topic} in /q/health/well): the body, validated
     * like a PUT, is written with a version above every version this replica has seen, so every
     * replica puts it in force, those still running the lost config and those waiting for one. A
     * path of its own, so a plain PUT can never re-base versions by accident. A missing or
     * uncompacted topic is refused (409) like any write: fix it first.
     */
    @PUT
    @Path("/reseed")
    @AdminAuth.Mutating
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "Put a config in force on a config topic that lost its history", description = "Validates, "
            + "writes with a version above every one seen, answers once in force on this replica.")
    @APIResponse(responseCode = "200", description = "in force; body: version and config")
    @APIResponse(responseCode = "400", description = "invalid; body: problems[{field, message}]")
    @APIResponse(responseCode = "409", description = "the topic is not compacted, or the write was passed over")
    @APIResponse(responseCode = "503", description = "the config topic is unreachable or missing")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> reseed(String body) {
        try {
            SluiceConfig next = parse(body);
            return answer(secrets.ensure(next).chain(() -> deadLetterTopics.ensure(next)).chain(() -> topic.reseed(next)));
        } catch (InvalidConfigException e) {
            return Uni.createFrom().item(invalid(e));
        }
    }

    /** 200 with the config in force once the write is; 409 when the topic cannot put it in force; else 503. */
    private Uni<Response> answer(Uni<Long> write) {
        return write
                .map(version -> Response.ok(document(config.versioned())).tag(etag(config.versioned().version())).build())
                // the topic is in no state to put it in force, or passed it over: retrying will not help
                .onFailure(ConfigNotInForceException.class).recoverWithItem(t -> Response.status(Response.Status.CONFLICT)
                        .entity(Map.of("error", "config not in force, nothing changed: " + t.getMessage(),
                                "version", config.versioned().version()))
                        .build())
                .onFailure(InvalidConfigException.class).recoverWithItem(t -> invalid((InvalidConfigException) t))
                .onFailure().recoverWithItem(t -> Response.status(Response.Status.SERVICE_UNAVAILABLE)
                        .entity(Map.of("error", "config not stored in the config topic, nothing changed: " + t.getMessage()))
                        .build());
    }

    @POST
    @Path("/validate")
    @AdminAuth.Reading
    @SecurityRequirement(name = AdminApiDefinition.BEARER)
    @Operation(summary = "Validate a config without applying it: 200 {valid:true} or 400 with problems")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> validate(String body) {
        SluiceConfig next;
        try {
            next = parse(body);
        } catch (InvalidConfigException e) {
            return Uni.createFrom().item(invalid(e));
        }
        return secrets.ensure(next).chain(() -> deadLetterTopics.validate(next))
                .map(ok -> Response.ok(Map.of("valid", true)).build())
                .onFailure(InvalidConfigException.class).recoverWithItem(t -> invalid((InvalidConfigException) t))
                .onFailure().recoverWithItem(t -> Response.status(Response.Status.SERVICE_UNAVAILABLE)
                        .entity(Map.of("error", "cannot check the dead-letter topics: " + t.getMessage())).build());
    }

    private SluiceConfig parse(String body) {
        JsonNode doc;
        try {
            doc = body == null || body.isBlank() ? null : mapper.readTree(body);
        } catch (JsonProcessingException e) {
            // Jackson's own limits (nesting depth, number and string lengths) land here too
            var where = e.getLocation();
            throw new InvalidConfigException(List.of(new ConfigProblem("$", "malformed JSON: " + e.getOriginalMessage()
                    + (where == null ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")"))));
        }
        SluiceConfig parsed = ConfigJson.read(doc);
        List<ConfigProblem> unsafe = ProgressBound.check(parsed, stuckAfter, SluiceConfig.PathStyle.JSON);
        if (!unsafe.isEmpty()) {
            throw new InvalidConfigException(unsafe);
        }
        return parsed;
    }

    private Map<String, Object> document(Watch.Versioned<SluiceConfig> v) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", v.version());
        doc.put("config", ConfigJson.writeShown(v.value(), mapper));
        return doc;
    }

    private Response invalid(InvalidConfigException e) {
        return invalid(e.problems(), e.notListed());
    }

    private Response invalid(List<ConfigProblem> problems) {
        return invalid(problems, 0);
    }

    /** 400 listing the problems (at most {@link InvalidConfigException#MAX_LISTED}, the rest counted). */
    private Response invalid(List<ConfigProblem> problems, int notListed) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "invalid configuration; the configuration in force (version " + config.versioned().version()
                + ") is unchanged");
        body.put("problems", problems);
        if (notListed > 0) {
            body.put("moreProblems", notListed);
        }
        return Response.status(Response.Status.BAD_REQUEST).entity(body).build();
    }

    private static EntityTag etag(long version) {
        return new EntityTag(String.valueOf(version));
    }
}
