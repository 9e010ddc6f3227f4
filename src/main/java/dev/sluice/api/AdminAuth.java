package dev.sluice.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.NameBinding;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

import org.jboss.logging.Logger;

import dev.sluice.config.SluiceSettings;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * Bearer-token check for mutating admin calls ({@link Mutating}). The token comes from
 * {@code sluice.admin.token}; it is compared in constant time. Without a configured token,
 * mutating calls are refused (503) and the startup log says why; dev mode makes one up and logs it.
 * Missing or malformed Authorization: 401; wrong token: 403.
 */
@Provider
@AdminAuth.Mutating
public class AdminAuth implements ContainerRequestFilter {
    private static final Logger LOG = Logger.getLogger(AdminAuth.class);
    private static final String DEV_TOKEN_PROPERTY = "dev.sluice.admin-token";

    /** Marks admin endpoints that change state: they need the bearer token. */
    @NameBinding
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ ElementType.TYPE, ElementType.METHOD })
    public @interface Mutating {
    }

    // REST filters are built at static init, before runtime config: the token is read lazily
    private final Token tokens;

    AdminAuth(Token tokens) {
        this.tokens = tokens;
    }

    /** The admin token, read from config once, at startup (so the log says early whether there is one). */
    @ApplicationScoped
    public static class Token {
        private final byte[] token;

        Token(SluiceSettings settings) {
            String configured = settings.admin().token().filter(t -> !t.isBlank()).orElse(null);
            if (configured == null && LaunchMode.current() == LaunchMode.DEVELOPMENT) {
                // one token per dev JVM, so that live reload does not change it under the user
                configured = System.getProperty(DEV_TOKEN_PROPERTY);
                if (configured == null) {
                    byte[] random = new byte[16];
                    new SecureRandom().nextBytes(random);
                    configured = HexFormat.of().formatHex(random);
                    System.setProperty(DEV_TOKEN_PROPERTY, configured);
                }
                LOG.infof("dev mode: admin token for this run: %s (curl -H 'Authorization: Bearer %s' ...)", configured,
                        configured);
            } else if (configured == null) {
                LOG.warn("no admin token configured (sluice.admin.token / SLUICE_ADMIN_TOKEN): "
                        + "PUT /admin/config and other mutating admin calls are refused");
            }
            this.token = configured == null ? null : configured.getBytes(StandardCharsets.UTF_8);
        }

        void atStartup(@Observes StartupEvent event) {
            // creating the bean is the point: the log line above appears at startup
        }

        boolean configured() {
            return token != null;
        }

        boolean matches(byte[] presented) {
            return token != null && MessageDigest.isEqual(token, presented);
        }
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (!tokens.configured()) {
            request.abortWith(problem(Response.Status.SERVICE_UNAVAILABLE,
                    "admin API is read-only: no admin token is configured (sluice.admin.token)"));
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            request.abortWith(Response.status(Response.Status.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sluice-admin\"")
                    .type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", "Authorization: Bearer <token> required")).build());
            return;
        }
        byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!tokens.matches(presented)) {
            request.abortWith(problem(Response.Status.FORBIDDEN, "wrong admin token"));
        }
    }

    private static Response problem(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
