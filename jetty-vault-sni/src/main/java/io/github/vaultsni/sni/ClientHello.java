package io.github.vaultsni.sni;

import javax.net.ssl.SSLEngine;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the server name from the first bytes of a TLS connection, before any TLS engine sees them: the
 * ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2), reassembled from as many handshake records as it spans, its
 * {@code server_name} extension (RFC 6066 §3), and which certificate key types it allows ({@link ClientKeyTypes}): by
 * its {@code signature_algorithms}, and for TLS 1.2 by its cipher suites too (RFC 5246 §7.4.2: the suite names the
 * key type), with the TLS versions it offers ({@code supported_versions}, RFC 8446 §4.2.1). Pure: never moves the
 * buffer's position, never copies more than the name.
 */
final class ClientHello {
    private static final int HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME = 0;
    private static final int SIGNATURE_ALGORITHMS = 13;
    private static final int SUPPORTED_VERSIONS = 43;
    private static final String TLS13 = "TLSv1.3";
    /** JSSE's names of the versions 3.1 to 3.4, TLS 1.0 to 1.3 (RFC 8446 §4.2.1). */
    private static final List<String> VERSIONS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", TLS13);
    private static final Set<String> ALL_VERSIONS = Set.copyOf(VERSIONS);
    private static final int HOST_NAME = 0;
    private static final int RECORD_HEADER = 5;
    private static final int MAX_RECORD = 1 << 14;
    /** The longest ClientHello read: what one full record holds (a longer one is handed on unread). */
    static final int MAX_HELLO = MAX_RECORD;

    /** How far reading got. */
    enum Status {
        /** The bytes so far are the start of a ClientHello: read more. */
        MORE,
        /** The bytes are not a TLS ClientHello (plain HTTP, SSLv2, garbage): the TLS engine will say so. */
        NOT_A_HELLO,
        /** The whole ClientHello was read; its host name, if it has one, is in the result. */
        READ
    }

    /**
     * @param hostName      the {@code host_name} the client sent, as sent (ASCII); null when it sent none
     * @param keyTypes      the certificate key types the client can verify in TLS 1.3, by its signature algorithms
     *                      ({@link ClientKeyTypes#ANY} unless read)
     * @param tls12KeyTypes those it can verify in TLS 1.2: by its signature algorithms and its cipher suites
     * @param versions      the TLS versions it offers, by JSSE's names ({@code TLSv1.2}, {@code TLSv1.3}, ...):
     *                      its {@code supported_versions}, else those up to its {@code legacy_version}; all unless read
     */
    record Result(Status status, String hostName, ClientKeyTypes keyTypes, ClientKeyTypes tls12KeyTypes,
                  Set<String> versions) {
        static final Result MORE = new Result(Status.MORE, null, ClientKeyTypes.ANY, ClientKeyTypes.ANY, ALL_VERSIONS);
        static final Result NOT_A_HELLO = new Result(Status.NOT_A_HELLO, null, ClientKeyTypes.ANY, ClientKeyTypes.ANY,
                ALL_VERSIONS);

        /**
         * The key types the client can verify in the version {@code engine} (not yet started) will negotiate: TLS 1.3
         * when both offer it (the JDK and Conscrypt take the highest), else TLS 1.2.
         */
        ClientKeyTypes keyTypesWith(SSLEngine engine) {
            return versions.contains(TLS13) && Arrays.asList(engine.getEnabledProtocols()).contains(TLS13) ? keyTypes
                    : tls12KeyTypes;
        }
    }

    private ClientHello() {
    }

    /** Reads what {@code buffer} holds between its position and limit. */
    static Result read(ByteBuffer buffer) {
        ByteBuffer message = handshakeMessage(buffer.duplicate());
        if (message == null) {
            return Result.MORE;
        }
        if (message == NOT_HANDSHAKE) {
            return Result.NOT_A_HELLO;
        }
        try {
            return extensions(message);
        } catch (IndexOutOfBoundsException | IllegalArgumentException | BufferUnderflowException malformed) {
            return Result.NOT_A_HELLO;
        }
    }

    private static final ByteBuffer NOT_HANDSHAKE = ByteBuffer.allocate(0);

    /**
     * The first handshake message's body (type and length checked), joined from the records it spans; null when
     * more bytes are needed; {@link #NOT_HANDSHAKE} when the bytes are no ClientHello.
     */
    private static ByteBuffer handshakeMessage(ByteBuffer in) {
        ByteBuffer joined = null;
        int needed = -1;
        while (true) {
            if (in.remaining() < RECORD_HEADER) {
                return in.remaining() > 0 && (in.get(in.position()) & 0xFF) != HANDSHAKE ? NOT_HANDSHAKE : null;
            }
            int type = in.get() & 0xFF;
            int major = in.get() & 0xFF;
            in.get(); // minor version: any, as TLS 1.3 clients send 3.1 in the first record
            int length = in.getShort() & 0xFFFF;
            if (type != HANDSHAKE || major != 3 || length == 0 || length > MAX_RECORD) {
                return NOT_HANDSHAKE;
            }
            if (in.remaining() < length) {
                return null;
            }
            ByteBuffer fragment = in.slice(in.position(), length);
            in.position(in.position() + length);
            if (joined == null) {
                // A first record too short for the message's own header, or a message longer than is read: not
                // waited for (the TLS engine deals with it).
                if (length < 4 || (fragment.get(0) & 0xFF) != CLIENT_HELLO) {
                    return NOT_HANDSHAKE;
                }
                needed = 4 + ((fragment.get(1) & 0xFF) << 16 | (fragment.get(2) & 0xFF) << 8 | (fragment.get(3) & 0xFF));
                if (needed > MAX_HELLO) {
                    return NOT_HANDSHAKE;
                }
                if (needed <= length) {
                    return fragment.limit(needed).position(4); // the usual case: one record, no copy
                }
                if (!arrived(in.duplicate(), needed - length)) {
                    return null; // copied only once every record of it is here
                }
                joined = ByteBuffer.allocate(needed);
            }
            int take = Math.min(fragment.remaining(), joined.remaining());
            joined.put(fragment.limit(fragment.position() + take));
            if (!joined.hasRemaining()) {
                return joined.flip().position(4);
            }
        }
    }

    /** Whether the records from {@code in}'s position hold at least {@code bytes} more handshake bytes. */
    private static boolean arrived(ByteBuffer in, int bytes) {
        int more = 0;
        while (more < bytes) {
            if (in.remaining() < RECORD_HEADER) {
                return false;
            }
            in.position(in.position() + 3);
            int length = in.getShort() & 0xFFFF;
            if (in.remaining() < length) {
                return false;
            }
            in.position(in.position() + length);
            more += length;
        }
        return true;
    }

    /** The host name and key types of the ClientHello body at {@code hello}'s position. */
    private static Result extensions(ByteBuffer hello) {
        int legacyVersion = hello.getShort() & 0xFFFF;
        skip(hello, 32); // random
        skip(hello, hello.get() & 0xFF); // legacy_session_id
        ClientKeyTypes suiteKeyTypes = ClientKeyTypes.ofSuites(codePoints(hello));
        skip(hello, hello.get() & 0xFF); // legacy_compression_methods
        String hostName = null;
        ClientKeyTypes keyTypes = ClientKeyTypes.ANY;
        Set<String> versions = upTo(legacyVersion);
        if (!hello.hasRemaining()) { // a TLS 1.2 hello may end here: no extensions
            return new Result(Status.READ, null, keyTypes, suiteKeyTypes, versions);
        }
        int extensionsEnd = Math.min((hello.getShort() & 0xFFFF) + hello.position(), hello.limit());
        while (hello.position() + 4 <= extensionsEnd) {
            int type = hello.getShort() & 0xFFFF;
            int length = hello.getShort() & 0xFFFF;
            if (hello.position() + length > extensionsEnd) {
                break; // an extension longer than what is left: what was read so far stands
            }
            ByteBuffer body = hello.slice(hello.position(), length); // each read within its own extension
            hello.position(hello.position() + length);
            try {
                if (type == SERVER_NAME) {
                    hostName = serverName(body);
                } else if (type == SIGNATURE_ALGORITHMS) {
                    keyTypes = ClientKeyTypes.of(codePoints(body));
                } else if (type == SUPPORTED_VERSIONS) {
                    versions = supportedVersions(body);
                }
            } catch (IndexOutOfBoundsException | IllegalArgumentException | BufferUnderflowException malformed) {
                // that extension is unread; the TLS engine will judge the hello
            }
        }
        return new Result(Status.READ, hostName, keyTypes, keyTypes.and(suiteKeyTypes), versions);
    }

    /** The {@code host_name} of a {@code server_name} extension's body at {@code hello}'s position, or null. */
    private static String serverName(ByteBuffer hello) {
        int listEnd = (hello.getShort() & 0xFFFF) + hello.position();
        while (hello.position() + 3 <= listEnd) {
            int nameType = hello.get() & 0xFF;
            int nameLength = hello.getShort() & 0xFFFF;
            if (nameType == HOST_NAME) {
                byte[] name = new byte[nameLength];
                hello.get(name);
                return hostName(name);
            }
            skip(hello, nameLength);
        }
        return null;
    }

    /**
     * The two-byte code points of a list with a two-byte length at {@code hello}'s position ({@code cipher_suites},
     * {@code signature_algorithms}), moving past it.
     */
    private static int[] codePoints(ByteBuffer hello) {
        int length = hello.getShort() & 0xFFFF;
        int[] points = new int[Math.min(length, hello.remaining()) / 2];
        for (int i = 0; i < points.length; i++) {
            points[i] = hello.getShort() & 0xFFFF;
        }
        skip(hello, length - 2 * points.length);
        return points;
    }

    /** The versions a {@code supported_versions} extension's body at {@code hello}'s position lists (GREASE aside). */
    private static Set<String> supportedVersions(ByteBuffer hello) {
        int count = Math.min(hello.get() & 0xFF, hello.remaining()) / 2;
        Set<String> versions = new HashSet<>();
        for (int i = 0; i < count; i++) {
            String name = versionName(hello.getShort() & 0xFFFF);
            if (name != null) {
                versions.add(name);
            }
        }
        return versions;
    }

    /** A client without {@code supported_versions} offers every version up to its {@code legacy_version}. */
    private static Set<String> upTo(int legacyVersion) {
        Set<String> versions = new HashSet<>();
        for (int version = 0x0301; version <= Math.min(legacyVersion, 0x0303); version++) {
            versions.add(versionName(version));
        }
        return versions;
    }

    private static String versionName(int version) {
        int minor = version - 0x0301;
        return minor >= 0 && minor < VERSIONS.size() ? VERSIONS.get(minor) : null;
    }

    /** The name when it is one a host could have (letters, digits, {@code .-_}, at most 255); else null. */
    private static String hostName(byte[] name) {
        if (name.length == 0 || name.length > 255) {
            return null;
        }
        for (byte b : name) {
            boolean ok = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-'
                    || b == '_';
            if (!ok) {
                return null;
            }
        }
        return new String(name, StandardCharsets.US_ASCII);
    }

    private static void skip(ByteBuffer buffer, int bytes) {
        buffer.position(buffer.position() + bytes);
    }
}
