package io.github.vaultsni.gateway.accesslog;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the access log goes: standard output (APISIX in a container logs there), a file, or nowhere. Immutable;
 * {@link #parse} reads the {@code --access-log} setting ({@code -}, {@code off} or a file name).
 */
public final class AccessLogDestination {
    private static final AccessLogDestination STDOUT = new AccessLogDestination(false, null);
    private static final AccessLogDestination OFF = new AccessLogDestination(true, null);

    private final boolean off;
    private final Path file;

    private AccessLogDestination(boolean off, Path file) {
        this.off = off;
        this.file = file;
    }

    public static AccessLogDestination stdout() {
        return STDOUT;
    }

    public static AccessLogDestination off() {
        return OFF;
    }

    /** Appended to {@code file} (rotate it with copy-and-truncate: the file stays open). */
    public static AccessLogDestination file(Path file) {
        return new AccessLogDestination(false, file);
    }

    /** {@code -}: standard output; {@code off}: none; else a file. */
    public static AccessLogDestination parse(String setting) {
        String text = setting.strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("--access-log () must be a file, - (standard output) or off");
        }
        return text.equals("-") ? STDOUT : text.equalsIgnoreCase("off") ? OFF : file(Path.of(text));
    }

    public boolean isOff() {
        return off;
    }

    /** The file, or empty for standard output (or off). */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    @Override
    public String toString() {
        return off ? "off" : file == null ? "-" : file.toString();
    }
}
