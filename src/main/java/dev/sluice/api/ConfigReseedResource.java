package dev.sluice.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
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
import dev.sluice.config.InvalidConfigException;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.Watch;
import io.smallrye.mutiny.Uni;

/**
 * PUT /admin/config/reseed: the operator's way out when the config topic lost its history (deleted
 * and re-created, versions gone backwards; see {@code sluice-config-topic} in /q/health/well).
 * The body is the config to put in force, validated like a PUT /admin/config; it is written with a
 * version above every version this replica has seen, so every replica, the ones still running the
 * lost config and the ones waiting for one, puts it in force. A separate path, so a plain PUT can
 * never re-base versions by accident. A missing or uncompacted topic is refused (409) like any
 * write: fix it first.
 */
@Path("/admin/config/reseed")
@Produces(MediaType.APPLICATION_JSON)
public class ConfigReseedResource {
    private final CurrentConfig config;
    private final ConfigTopic topic;
    private final ObjectMapper mapper;

    ConfigReseedResource(CurrentConfig config, ConfigTopic topic, ObjectMapper mapper) {
        this.config = config;
        this.topic = topic;
        this.mapper = mapper;
    }

    @PUT
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
        SluiceConfig next;
        try {
            next = parse(body);
        } catch (InvalidConfigException e) {
            return Uni.createFrom().item(Response.status(Response.Status.BAD_REQUEST).entity(Map.of(
                    "error", "invalid configuration; nothing changed", "problems", e.problems())).build());
        }
        return topic.reseed(next)
                .map(version -> {
                    Watch.Versioned<SluiceConfig> v = config.versioned();
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("version", v.version());
                    doc.put("config", ConfigJson.write(v.value(), mapper));
                    return Response.ok(doc).tag(new EntityTag(String.valueOf(v.version()))).build();
                })
                .onFailure(ConfigNotInForceException.class).recoverWithItem(t -> Response.status(Response.Status.CONFLICT)
                        .entity(Map.of("error", "config not in force, nothing changed: " + t.getMessage())).build())
                .onFailure().recoverWithItem(t -> Response.status(Response.Status.SERVICE_UNAVAILABLE)
                        .entity(Map.of("error", "config not stored in the config topic, nothing changed: " + t.getMessage()))
                        .build());
    }

    private SluiceConfig parse(String body) {
        JsonNode doc;
        try {
            doc = body == null || body.isBlank() ? null : mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(List.of(new ConfigProblem("$", "malformed JSON: " + e.getOriginalMessage())));
        }
        return ConfigJson.read(doc);
    }
}
