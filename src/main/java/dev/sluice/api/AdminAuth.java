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
import java.util.Optional;

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
 * Bearer-token checks of the admin API. Two levels:
 * <ul>
 * <li>{@link Mutating} calls (PUT /admin/config) need the admin token, {@code sluice.admin.token}.</li>
 * <li>{@link Reading} calls (GET /admin/config, POST /admin/config/validate: they show the
 * config's structure, target hosts and topics) need the admin token or the read token,
 * {@code sluice.admin.read-token}.</li>
 * </ul>
 * Tokens are compared in constant time, with surrounding whitespace trimmed from the configured
 * value (a token read from a file usually ends in a newline). Without any token configured the
 * calls are refused (503) and the startup log says why; dev mode makes an admin token up and logs it.
 * Missing or malformed Authorization: 401; wrong token: 403.
 */
public final class AdminAuth {
    private static final Logger LOG = Logger.getLogger(AdminAuth.class);
    private static final String DEV_TOKEN_PROPERTY = "dev.sluice.admin-token";

    private AdminAuth() {
    }

    /** Marks admin endpoints that change state: they need the admin token. */
    @NameBinding
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ ElementType.TYPE, ElementType.METHOD })
    public @interface Mutating {
    }

    /** Marks admin endpoints that show configuration: the read token or the admin token. */
    @NameBinding
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ ElementType.TYPE, ElementType.METHOD })
    public @interface Reading {
    }

    /** The tokens, read from config once, at startup (so the log says early whether there is one). */
    @ApplicationScoped
    public static class Tokens {
        private final byte[] admin;
        private final byte[] read;

        Tokens(SluiceSettings settings) {
            String configured = trimmed(settings.admin().token()).orElse(null);
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
            this.admin = bytes(configured);
            this.read = bytes(trimmed(settings.admin().readToken()).orElse(null));
        }

        private static Optional<String> trimmed(Optional<String> token) {
            return token.map(String::strip).filter(t -> !t.isEmpty());
        }

        private static byte[] bytes(String token) {
            return token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        }

        void atStartup(@Observes StartupEvent event) {
            // creating the bean is the point: the log line above appears at startup
        }

        // methods, never fields, from outside: callers hold a client proxy whose fields are empty
        boolean hasAdmin() {
            return admin != null;
        }

        boolean hasAny() {
            return admin != null || read != null;
        }

        boolean matchesAdmin(byte[] presented) {
            return admin != null && MessageDigest.isEqual(admin, presented);
        }

        boolean matchesRead(byte[] presented) {
            return read != null && MessageDigest.isEqual(read, presented);
        }
    }

    /** Requires the admin token. */
    @Provider
    @Mutating
    public static class MutatingFilter implements ContainerRequestFilter {
        // REST filters are built at static init, before runtime config: the tokens are a bean
        private final Tokens tokens;

        MutatingFilter(Tokens tokens) {
            this.tokens = tokens;
        }

        @Override
        public void filter(ContainerRequestContext request) {
            check(request, tokens.hasAdmin(), tokens::matchesAdmin,
                    "admin API is read-only: no admin token is configured (sluice.admin.token)");
        }
    }

    /** Requires the read token or the admin token. */
    @Provider
    @Reading
    public static class ReadingFilter implements ContainerRequestFilter {
        private final Tokens tokens;

        ReadingFilter(Tokens tokens) {
            this.tokens = tokens;
        }

        @Override
        public void filter(ContainerRequestContext request) {
            check(request, tokens.hasAny(),
                    presented -> tokens.matchesAdmin(presented) || tokens.matchesRead(presented),
                    "no admin or read token is configured (sluice.admin.token, sluice.admin.read-token)");
        }
    }

    private static void check(ContainerRequestContext request, boolean configured,
            java.util.function.Predicate<byte[]> matches, String unconfigured) {
        if (!configured) {
            request.abortWith(problem(Response.Status.SERVICE_UNAVAILABLE, unconfigured));
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
        if (!matches.test(header.substring(7).strip().getBytes(StandardCharsets.UTF_8))) {
            request.abortWith(problem(Response.Status.FORBIDDEN, "wrong token"));
        }
    }

    private static Response problem(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
