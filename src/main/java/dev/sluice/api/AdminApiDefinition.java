package dev.sluice.api;

import jakarta.ws.rs.core.Application;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The OpenAPI description of the admin API, served at /q/openapi. */
@OpenAPIDefinition(info = @Info(title = "Sluice admin API", version = "1",
        description = "Live configuration and status. Mutating calls need Authorization: Bearer <sluice.admin.token>. "
                + "GET /admin/events (open, read-only; a Vert.x route, so not listed below): the live status stream as "
                + "Server-Sent Events, events status, config, drain, failure and lagged; Last-Event-ID resumes; at most 32 "
                + "subscribers (more: 503). See README, Live status stream."))
@SecurityScheme(securitySchemeName = AdminApiDefinition.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer")
public class AdminApiDefinition extends Application {
    public static final String BEARER = "admin-token";
}
