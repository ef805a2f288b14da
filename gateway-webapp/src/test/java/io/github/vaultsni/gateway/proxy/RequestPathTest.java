package io.github.vaultsni.gateway.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Paths normalised as nginx normalises {@code $uri}: what routes match and what the upstream receives. */
class RequestPathTest {

    @ParameterizedTest
    @CsvSource(delimiterString = " | ", value = {
            // raw                  | decoded (matched)  | forwarded
            "/                      | /                  | /",
            "/api/v1/users          | /api/v1/users      | /api/v1/users",
            "/x/../h/a              | /h/a               | /h/a",
            "/x/./../h/a            | /h/a               | /h/a",
            "/x/a/../../h/a         | /h/a               | /h/a",
            "/x/a/../b              | /x/b               | /x/b",
            "/x//b///c              | /x/b/c             | /x/b/c",
            "/x/.                   | /x/                | /x/",
            "/x/..                  | /                  | /",
            "/x/./c/.               | /x/c/              | /x/c/",
            "/dir/                  | /dir/              | /dir/",
            "/x/%2e%2e/h            | /h                 | /h",
            "/x%2f..%2fh            | /h                 | /h",
            "/a%2Fb                 | /a/b               | /a/b",
            "/caf%C3%A9             | /café              | /caf%C3%A9",
            "/café                  | /café              | /caf%C3%A9",
            "/a%20b                 | /a b               | /a%20b",
            "/a%7Eb                 | /a~b               | /a~b",
            "/a|b                   | /a|b               | /a%7Cb",
            "/a;b=c,d@e:f           | /a;b=c,d@e:f       | /a;b=c,d@e:f",
            "/a%25b                 | /a%b               | /a%25b",
            "/a%3Fb                 | /a?b               | /a%3Fb"})
    void normalises(String raw, String decoded, String forwarded) {
        RequestPath path = RequestPath.normalize(raw);
        assertEquals(decoded, path.decoded());
        assertEquals(forwarded, path.forwarded());
        assertEquals(path, RequestPath.normalize(path.forwarded()), "forwarding the forwarded form changes nothing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "*", "/..", "/../etc/passwd", "/a/../../b", "/a%zz", "/a%2", "/a%00b", "/a%C3",
            "/a%FF"})
    void refuses(String raw) {
        assertNull(RequestPath.normalize(raw), raw);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/api/v1/users", "/a-b_c.d~e", "/a;b=c"})
    void anAlreadyNormalPath_isKeptAsItIs(String raw) {
        RequestPath path = RequestPath.normalize(raw);
        assertEquals(raw, path.decoded());
        assertEquals(raw, path.forwarded());
    }
}
