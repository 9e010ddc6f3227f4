package dev.sluice.deliver;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import dev.sluice.config.Route;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.pipeline.Event;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * A {@link Target} a test plays: it serves every route, records each send, and answers it either
 * at once from a script or only when the test says so ({@link #onCommand()}).
 */
public final class TestTarget implements Target {
    /** One send: its route, event and number (0 for the first the target saw), and its answer. */
    public static final class Send {
        private final Route route;
        private final Event event;
        private final int number;
        private final long atNanos = System.nanoTime();
        private UniEmitter<? super AttemptOutcome> answer;

        private Send(Route route, Event event, int number) {
            this.route = route;
            this.event = event;
            this.number = number;
        }

        public Route route() {
            return route;
        }

        public Event event() {
            return event;
        }

        public int number() {
            return number;
        }

        /** When it reached the target ({@link System#nanoTime()}). */
        public long atNanos() {
            return atNanos;
        }
    }

    private final Function<Send, AttemptOutcome> script;
    /** Guarded by {@code this}: every send in arrival order, and those not answered yet. */
    private final List<Send> sends = new ArrayList<>();
    private final List<Send> open = new ArrayList<>();

    private TestTarget(Function<Send, AttemptOutcome> script) {
        this.script = script;
    }

    /** Answers each send at once with what {@code script} says of it. */
    public static TestTarget scripted(Function<Send, AttemptOutcome> script) {
        return new TestTarget(script);
    }

    /** Answers the n-th send with {@code outcomes[n]}, and any later one with the last. */
    public static TestTarget answering(AttemptOutcome... outcomes) {
        return scripted(s -> outcomes[Math.min(s.number(), outcomes.length - 1)]);
    }

    /** Answers a send only when the test calls {@link #answer}. */
    public static TestTarget onCommand() {
        return new TestTarget(null);
    }

    @Override
    public boolean serves(Route route) {
        return true;
    }

    @Override
    public Uni<AttemptOutcome> send(Route route, Event event, Span attemptSpan) {
        return Uni.createFrom().emitter(em -> {
            Send s;
            synchronized (this) {
                s = new Send(route, event, sends.size());
                s.answer = em;
                sends.add(s);
                if (script == null) {
                    open.add(s);
                }
            }
            if (script != null) {
                em.complete(script.apply(s));
            }
        });
    }

    /** Every send so far, in the order they reached the target. */
    public synchronized List<Send> sends() {
        return List.copyOf(sends);
    }

    /** The sends not answered yet, oldest first. */
    public synchronized List<Send> open() {
        return List.copyOf(open);
    }

    /** Answers the open send of the record at {@code offset} (outside the lock: the next send may follow at once). */
    public void answer(long offset, AttemptOutcome outcome) {
        answer(null, offset, outcome);
    }

    /** Answers the open send of the record at {@code offset} to {@code route} (null: to any route). */
    public void answer(String route, long offset, AttemptOutcome outcome) {
        Send s;
        synchronized (this) {
            s = open.stream().filter(o -> o.event().offset() == offset && (route == null || o.route().name().equals(route)))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no open send of offset " + offset + " in " + offsets(open)));
            open.remove(s);
        }
        s.answer.complete(outcome);
    }

    /** The offsets of {@code sends}, in their order. */
    public static List<Long> offsets(List<Send> sends) {
        return sends.stream().map(s -> s.event().offset()).toList();
    }
}
