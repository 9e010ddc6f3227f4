package dev.sluice.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Reads the value a {@link SecretRef} names: an environment variable (through an injectable
 * lookup, so tests need not set the process's environment), or a file of at most
 * {@value #MAX_BYTES} bytes, UTF-8. Surrounding whitespace is dropped, so the trailing newline of
 * {@code echo token > file} or of a Kubernetes Secret is not sent. Reading a file blocks: never
 * call this on an event loop ({@link Secrets} reads on a worker).
 *
 * <p>A failure's message names the reference only, never a part of the value.
 */
public final class SecretSource {
    /** Largest secret file read; a larger one is refused, not cut. */
    public static final int MAX_BYTES = 8192;

    private static final SecretSource SYSTEM = new SecretSource(System::getenv);

    private final Function<String, String> env;

    /** {@code env}: the value of an environment variable, or null when it is not set. */
    public SecretSource(Function<String, String> env) {
        this.env = env;
    }

    /** Environment variables of this process, files of this machine. */
    public static SecretSource system() {
        return SYSTEM;
    }

    /** A secret could not be read; the message names the reference, never the value. */
    public static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message, null, false, false);
        }
    }

    /** The value, trimmed; blocking for a file. */
    public String read(SecretRef ref) throws UnavailableException {
        String value = ref.kind() == SecretRef.Kind.ENV ? fromEnv(ref.name()) : fromFile(ref.name());
        String trimmed = value.strip();
        if (trimmed.isEmpty()) {
            throw new UnavailableException(describe(ref) + " is empty");
        }
        return trimmed;
    }

    private String fromEnv(String name) throws UnavailableException {
        String value = env.apply(name);
        if (value == null) {
            throw new UnavailableException("environment variable " + name + " is not set");
        }
        return value;
    }

    private static String fromFile(String path) throws UnavailableException {
        Path p = Path.of(path);
        if (Files.isDirectory(p)) {
            throw new UnavailableException("file " + path + " is a directory");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(p)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new UnavailableException("file " + path + " does not exist");
        } catch (AccessDeniedException e) {
            throw new UnavailableException("file " + path + " cannot be read (permission denied)");
        } catch (IOException | RuntimeException e) {
            throw new UnavailableException("file " + path + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length > MAX_BYTES) {
            throw new UnavailableException("file " + path + " is longer than " + MAX_BYTES + " bytes");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UnavailableException("file " + path + " is not UTF-8 text");
        }
    }

    private static String describe(SecretRef ref) {
        return ref.kind() == SecretRef.Kind.ENV ? "environment variable " + ref.name() : "file " + ref.name();
    }
}
