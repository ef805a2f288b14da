package io.github.vaultsni.pem;

/**
 * PEM that cannot be used, with where it came from and what is wrong kept apart: the message is
 * {@code "<source>: <reason>"} ({@code kv/apisix/ssl#test.com.key: no PRIVATE KEY block}), and a caller that names
 * the source its own way (the admin API: "failed to parse key: ...") takes {@link #reason()} instead of cutting the
 * message. Never contains the PEM text.
 */
public final class PemException extends IllegalArgumentException {
    private final String source;
    private final String reason;

    PemException(String source, String reason) {
        super(source + ": " + reason);
        this.source = source;
        this.reason = reason;
    }

    /** Where the PEM came from, as the caller named it. */
    public String source() {
        return source;
    }

    /** What is wrong with it. */
    public String reason() {
        return reason;
    }
}
