package dev.sluice.outcome;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;

/**
 * Logs about one record with its coordinates as structured fields (MDC: route, topic, partition,
 * offset), so JSON logs can be filtered by them; the text keeps them too, for humans.
 * Never the payload: values appear only at DEBUG, if at all.
 */
public final class RecordLog {
    private RecordLog() {
    }

    public static void log(Logger log, Logger.Level level, Throwable t, Route route, Event event, String format, Object... args) {
        if (!log.isEnabled(level)) {
            return;
        }
        MDC.put("route", route.name());
        MDC.put("topic", event.topic());
        MDC.put("partition", event.partition());
        MDC.put("offset", event.offset());
        try {
            String where = "route=" + route.name() + " topic=" + event.topic() + " partition=" + event.partition()
                    + " offset=" + event.offset() + ": ";
            log.logf(level, t, where + format, args);
        } finally {
            MDC.remove("route");
            MDC.remove("topic");
            MDC.remove("partition");
            MDC.remove("offset");
        }
    }
}
