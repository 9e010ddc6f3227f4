package dev.sluice.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import sun.misc.Signal;

/**
 * SIGTERM (Kubernetes stopping the pod) and SIGINT (Ctrl-C) start the normal shutdown, with the
 * drain, and end the process with exit code 0: a drained stop is a success, not a crash. Without
 * this the JVM reports a signal-triggered exit as 128 + signal (143), which Kubernetes and
 * supervisors read as a failure. A second signal during the drain does not shorten it.
 *
 * <p>Only in the packaged application: dev mode and tests manage their own lifecycle.
 * {@code sun.misc.Signal} is the JDK's supported way to do this (module jdk.unsupported).
 */
@ApplicationScoped
class SignalExit {
    private static final Logger LOG = Logger.getLogger(SignalExit.class);
    private final Drain drain;
    private final Event<ShutdownRequested> requested;

    SignalExit(Drain drain, Event<ShutdownRequested> requested) {
        this.drain = drain;
        this.requested = requested;
    }

    void install(@Observes StartupEvent event) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        for (String name : new String[] { "TERM", "INT" }) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    LOG.infof("SIG%s received: draining, then exiting", signal.getName());
                    try {
                        requested.fire(new ShutdownRequested(drain.inFlight(), drain.remaining().toMillis()));
                    } catch (RuntimeException e) {
                        LOG.debugf(e, "an observer of the shutdown request failed");
                    }
                    Quarkus.asyncExit(0);
                });
            } catch (IllegalArgumentException e) {
                LOG.debugf("cannot handle SIG%s here: %s", name, e.getMessage());
            }
        }
    }
}
