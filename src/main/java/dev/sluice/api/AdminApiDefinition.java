package dev.sluice.api;

import jakarta.ws.rs.core.Application;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The OpenAPI description of the admin API, served at /q/openapi. */
@OpenAPIDefinition(info = @Info(title = "Sluice admin API", version = "1",
        description = "Live configuration and status. Mutating calls need Authorization: Bearer <sluice.admin.token>. "
                + "GET /admin/events, a Vert.x route, is described in META-INF/openapi.yaml, merged here."))
@SecurityScheme(securitySchemeName = AdminApiDefinition.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer")
public class AdminApiDefinition extends Application {
    public static final String BEARER = "admin-token";
}
