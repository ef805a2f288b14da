package io.github.vaultsni.sni;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server name read from the first bytes of a connection, from ClientHellos the JDK's own TLS client writes
 * (TLS 1.3 and 1.2, with and without SNI), whole, cut short, split across records, and from bytes that are no
 * ClientHello at all.
 */
class ClientHelloTest {

    /** The first flight a JDK client sends: its ClientHello record(s). */
    private static ByteBuffer helloFrom(String sni, String... protocols) throws Exception {
        return helloFrom(sni, protocols, new String[0]);
    }

    private static ByteBuffer helloFrom(String sni, String[] protocols, String... suites) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("127.0.0.1", 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        if (protocols.length > 0) {
            parameters.setProtocols(protocols);
        }
        if (suites.length > 0) {
            parameters.setCipherSuites(suites);
        }
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        return out.flip();
    }

    @Test
    void aTls13Hello_givesItsName_asSent() throws Exception {
        ClientHello.Result read = ClientHello.read(helloFrom("Api.Example.COM"));
        assertEquals(ClientHello.Status.READ, read.status());
        assertEquals("Api.Example.COM", read.hostName(), "as sent: normalised by the caller");
    }

    @Test
    void aTls12Hello_andOneWithoutSni() throws Exception {
        assertEquals("a.test", ClientHello.read(helloFrom("a.test", "TLSv1.2")).hostName());
        ClientHello.Result none = ClientHello.read(helloFrom(null));
        assertEquals(ClientHello.Status.READ, none.status());
        assertNull(none.hostName());
    }

    @Test
    void aHelloCutShort_asksForMore_atEveryLength() throws Exception {
        ByteBuffer whole = helloFrom("a.test");
        for (int length = 0; length < whole.remaining(); length++) {
            ByteBuffer part = whole.duplicate().limit(whole.position() + length);
            assertEquals(ClientHello.Status.MORE, ClientHello.read(part).status(), "at " + length + " bytes");
            assertEquals(whole.position(), part.position(), "the buffer is not consumed");
        }
    }

    @Test
    void aHelloSplitAcrossRecords_isJoined() throws Exception {
        ByteBuffer whole = helloFrom("split.test");
        byte[] record = new byte[whole.remaining()];
        whole.get(record);
        int body = record.length - 5;
        int first = 40;
        ByteBuffer split = ByteBuffer.allocate(record.length + 5);
        split.put(record, 0, 3).putShort((short) first).put(record, 5, first);
        split.put(record, 0, 3).putShort((short) (body - first)).put(record, 5 + first, body - first);
        assertEquals("split.test", ClientHello.read(split.flip()).hostName());
    }

    @Test
    void bytesThatAreNoHello_areSaidSoAtOnce() {
        assertEquals(ClientHello.Status.NOT_A_HELLO, ClientHello.read(ascii("GET / HTTP/1.1\r\n")).status());
        assertEquals(ClientHello.Status.NOT_A_HELLO, ClientHello.read(ascii("G")).status(), "one byte is enough");
        assertEquals(ClientHello.Status.NOT_A_HELLO,
                ClientHello.read(ByteBuffer.wrap(new byte[]{22, 3, 1, 0, 4, 2, 0, 0, 0})).status(), "not a ClientHello");
        assertEquals(ClientHello.Status.NOT_A_HELLO,
                ClientHello.read(ByteBuffer.wrap(new byte[]{22, 3, 1, 0x7f, (byte) 0xff})).status(), "a record too long");
    }

    @Test
    void whatCannotBeAHelloWeRead_isHandedOnAtOnce_withoutAllocatingForIt() throws Exception {
        assertEquals(ClientHello.Status.NOT_A_HELLO, ClientHello.read(ByteBuffer.wrap(
                new byte[]{22, 3, 1, 0, 4, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF})).status(), "a 16 MiB hello");
        assertEquals(ClientHello.Status.NOT_A_HELLO, ClientHello.read(ByteBuffer.wrap(
                new byte[]{22, 3, 1, 0, 2, 1, 0})).status(), "a first record too short for the message header");
        ByteBuffer whole = helloFrom("cut.test");
        byte[] bytes = new byte[whole.remaining()];
        whole.get(bytes);
        bytes[bytes.length - 1] = 0;
        bytes[bytes.length - 2] = 0;
        // extensions claim more than the message holds: the last ones are cut off
        int at = indexOf(bytes, "cut.test".getBytes(StandardCharsets.US_ASCII)) - 2;
        bytes[at] = (byte) 0xFF;
        ClientHello.Result read = ClientHello.read(ByteBuffer.wrap(bytes));
        assertEquals(ClientHello.Status.READ, read.status(), "a name longer than its extension is not read...");
        assertNull(read.hostName(), "...and nothing past its extension is taken for it");
    }

    @Test
    void aNameNoHostCouldHave_isNoName() throws Exception {
        ByteBuffer hello = helloFrom("abc.test");
        byte[] bytes = new byte[hello.remaining()];
        hello.get(bytes);
        int at = indexOf(bytes, "abc.test".getBytes(StandardCharsets.US_ASCII));
        bytes[at] = 0; // a NUL in the name
        ClientHello.Result read = ClientHello.read(ByteBuffer.wrap(bytes));
        assertEquals(ClientHello.Status.READ, read.status());
        assertNull(read.hostName());
    }

    @Test
    void theKeyTypesAClientCanVerify_comeFromItsSignatureAlgorithms() throws Exception {
        assertEquals(ClientKeyTypes.ANY, ClientHello.read(helloFrom("a.test")).keyTypes(), "the JDK verifies both");
        assertEquals(new ClientKeyTypes(false, true), ClientKeyTypes.of(new int[]{0x0401, 0x0804}), "rsa_pkcs1, rsa_pss_rsae");
        assertEquals(new ClientKeyTypes(true, false), ClientKeyTypes.of(new int[]{0x0403, 0x0809}), "ecdsa; rsa_pss_pss is no rsaEncryption key");
        assertEquals(new ClientKeyTypes(false, false), ClientKeyTypes.of(new int[]{0x0807}), "ed25519 only");
    }

    /**
     * In TLS 1.2 the suite names the key type: a client offering only TLS 1.2 and only RSA suites verifies RSA alone,
     * whatever its signature algorithms; one offering TLS 1.3 too is held to its signature algorithms when the engine
     * enables TLS 1.3, and to its suites when the engine does not.
     */
    @Test
    void aTls12ClientsSuites_narrowTheKeyTypes_whenTls12IsWhatWillBeNegotiated() throws Exception {
        ClientHello.Result rsaOnly = ClientHello.read(helloFrom("a.test", new String[]{"TLSv1.2"},
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"));
        assertTrue(rsaOnly.versions().contains("TLSv1.2") && !rsaOnly.versions().contains("TLSv1.3"), rsaOnly::toString);
        assertEquals(ClientKeyTypes.ANY, rsaOnly.keyTypes(), "its signature algorithms allow both");
        assertEquals(new ClientKeyTypes(false, true), rsaOnly.tls12KeyTypes());
        SSLEngine server = SSLContext.getDefault().createSSLEngine();
        server.setUseClientMode(false);
        assertEquals(new ClientKeyTypes(false, true), rsaOnly.keyTypesWith(server));

        ClientHello.Result both = ClientHello.read(helloFrom("a.test", new String[]{"TLSv1.3", "TLSv1.2"},
                "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        assertEquals(Set.of("TLSv1.2", "TLSv1.3"), both.versions());
        assertEquals(ClientKeyTypes.ANY, both.keyTypesWith(server), "TLS 1.3: its signature algorithms");
        server.setEnabledProtocols(new String[]{"TLSv1.2"});
        assertEquals(new ClientKeyTypes(true, false), both.keyTypesWith(server), "TLS 1.2: its ECDSA suite");
        assertEquals(new ClientKeyTypes(false, false), ClientKeyTypes.ofSuites(new int[]{0x1301, 0x00FF, 0x5600, 0x2A2A}),
                "TLS 1.3 suites, signalling values and GREASE name no key type");
    }

    @Test
    void aClientThatCannotVerifyAType_leavesTheEngineNoSuiteOfIt() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        String[] all = engine.getEnabledCipherSuites();
        new ClientKeyTypes(false, true).restrict(engine);
        List<String> left = List.of(engine.getEnabledCipherSuites());
        assertTrue(left.stream().noneMatch(suite -> suite.contains("_ECDSA_")), left::toString);
        assertTrue(left.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") && left.contains("TLS_AES_128_GCM_SHA256"), left::toString);
        engine.setEnabledCipherSuites(all);
        ClientKeyTypes.ANY.restrict(engine);
        new ClientKeyTypes(false, false).restrict(engine);
        assertEquals(List.of(all), List.of(engine.getEnabledCipherSuites()), "both, or neither: as they were");
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
