package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;

import org.junit.jupiter.api.Test;

class UrlRedactionTest {

    @Test
    void userinfoAndQueryValuesAreHiddenWhereTheTargetStaysVisible() {
        URI url = URI.create("https://svc:s3cr3t-pass@orders.internal:8443/in/v1?api_key=AKIA123456&region=eu&flag");

        assertEquals("https://***@orders.internal:8443/in/v1?api_key=***&region=***&***", UrlRedaction.shown(url));
    }

    @Test
    void aPlainUrlIsShownAsItIs() {
        assertEquals("http://orders:8080/events", UrlRedaction.shown(URI.create("http://orders:8080/events")));
    }

    @Test
    void fragmentsAreNotShown() {
        assertEquals("http://h/p", UrlRedaction.shown(URI.create("http://h/p#token=abc")));
    }

    @Test
    void aMessageQuotingTheUrlOrItsSecretsIsScrubbed() {
        URI url = URI.create("http://user:hunter2hunter@h:1/in?key=k3y-value");

        String scrubbed = UrlRedaction.scrub("failed to POST " + url + " (password hunter2hunter, key k3y-value)", url);

        assertFalse(scrubbed.contains("hunter2hunter"), scrubbed);
        assertFalse(scrubbed.contains("k3y-value"), scrubbed);
        assertTrue(scrubbed.contains("http://***@h:1/in?key=***"), scrubbed);
    }

    @Test
    void shortQueryValuesAreNotScrubbedFromMessages() {
        URI url = URI.create("http://h/in?page=1");

        assertEquals("HTTP 401 Unauthorized", UrlRedaction.scrub("HTTP 401 Unauthorized", url));
    }

    @Test
    void aUrlCopiedFromTheRedactedViewIsRecognised() {
        assertTrue(UrlRedaction.carriesMark(URI.create("http://***@h/in")));
        assertTrue(UrlRedaction.carriesMark(URI.create("http://h/in?api_key=***")));
        assertFalse(UrlRedaction.carriesMark(URI.create("http://u:p@h/in?api_key=real")));
    }

    @Test
    void aRouteInALogLineOrExceptionShowsItsUrlRedacted() {
        Route r = new Route("r", java.util.List.of("t"), URI.create("http://u:hunter2hunter@h/in?key=k3y-value"), 1,
                java.time.Duration.ofSeconds(1), new RetryPolicy(1, java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(1), 0),
                "dlq", Expects.ANY, 1, Ordering.KEY);

        String shown = r + " " + new SluiceConfig(1, java.util.List.of(r));

        assertFalse(shown.contains("hunter2hunter") || shown.contains("k3y-value"), shown);
        assertTrue(shown.contains("http://***@h/in?key=***"), shown);
    }
}
