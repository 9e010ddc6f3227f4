package dev.sluice.config;

import java.util.Set;

import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;

import io.cloudevents.sql.EvaluationException;
import io.cloudevents.sql.Expression;
import io.cloudevents.sql.Parser;
import io.cloudevents.sql.Result;
import io.cloudevents.sql.generated.CESQLParserLexer;
import io.cloudevents.sql.generated.CESQLParserParser;

/**
 * Compiles a CESQL expression at the door, so that a route holds only expressions that run: a
 * syntax error is refused with its position, and so is a call of a function CESQL does not have,
 * or an expression whose value is not a boolean (both found by evaluating it once against a
 * record without attributes).
 */
final class CesqlCheck {
    /** Longest expression accepted. */
    static final int MAX_LENGTH = 2048;

    /** The expression cannot be used; the message says why and, for a syntax error, where (1-based column). */
    static final class SyntaxException extends IllegalArgumentException {
        SyntaxException(String message) {
            super(message);
        }
    }

    private static final FilterAttributes NOTHING = new FilterAttributes() {
        @Override
        public String text(String name) {
            return null;
        }

        @Override
        public Object typed(String name) {
            return null;
        }

        @Override
        public Set<String> extensionNames() {
            return Set.of();
        }
    };

    private CesqlCheck() {
    }

    static Expression compile(String expression) {
        if (expression.isBlank()) {
            throw new SyntaxException("is empty");
        }
        if (expression.length() > MAX_LENGTH) {
            throw new SyntaxException("longer than " + MAX_LENGTH + " characters");
        }
        Expression compiled;
        try {
            compiled = Parser.parseDefault(expression);
        } catch (RuntimeException e) {
            // the SDK's own error listener loses the position of some errors (and throws a
            // NullPointerException for them): the grammar is run again to find it
            throw new SyntaxException(syntaxError(expression));
        }
        Result r = compiled.evaluate(new CesqlEvent(NOTHING));
        for (EvaluationException e : r.causes()) {
            if (e.getKind() == EvaluationException.ErrorKind.MISSING_FUNCTION) {
                throw new SyntaxException("unknown function at column " + (e.getExpressionInterval().a + 1) + ": "
                        + e.getExpressionText());
            }
        }
        if (r.value() != null && !(r.value() instanceof Boolean)) {
            throw new SyntaxException("must be a boolean expression (this one gives a "
                    + r.value().getClass().getSimpleName() + ")");
        }
        return compiled;
    }

    private static String syntaxError(String expression) {
        CESQLParserLexer lexer = new CESQLParserLexer(CharStreams.fromString(expression));
        CESQLParserParser parser = new CESQLParserParser(new CommonTokenStream(lexer));
        String[] first = new String[1];
        BaseErrorListener listener = new BaseErrorListener() {
            @Override
            public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int column, String msg,
                    RecognitionException e) {
                if (first[0] == null) {
                    first[0] = "syntax error at " + (line > 1 ? "line " + line + ", " : "") + "column " + (column + 1)
                            + ": " + msg;
                }
            }
        };
        lexer.removeErrorListeners();
        parser.removeErrorListeners();
        lexer.addErrorListener(listener);
        parser.addErrorListener(listener);
        try {
            parser.cesql();
        } catch (RuntimeException e) {
            // the listener has the first error
        }
        String message = first[0] != null ? first[0] : "not a CESQL expression";
        // the parser quotes what it met: an expression is at most MAX_LENGTH, the message stays short
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }
}
