package dev.sluice.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;

/**
 * The dashboard at /ui: static files (META-INF/resources/ui: HTML, CSS, JavaScript, no build
 * step) fed by the status stream and changing the config through the admin API with the token the
 * user types into the page. Here only /ui itself, which the static handler does not answer, is sent
 * on to /ui/.
 */
@ApplicationScoped
public class Dashboard {
    static final String PATH = "/ui";

    void routes(@Observes Router router) {
        router.get(PATH).order(-1).handler(ctx -> {
            // Vert.x matches /ui/ on this path too: that one is the static index
            if (PATH.equals(ctx.request().path())) {
                ctx.response().setStatusCode(302).putHeader("Location", PATH + "/").end();
            } else {
                ctx.next();
            }
        });
    }
}
