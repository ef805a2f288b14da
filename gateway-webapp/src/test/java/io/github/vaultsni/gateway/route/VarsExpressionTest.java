package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * APISIX's {@code vars} (lua-resty-expr v1): each operator, negation, the logical nodes, the variables read from
 * the request model, Lua's number rules, and the messages for what does not compile.
 */
class VarsExpressionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static VarsExpression vars(String json) {
        try {
            return VarsExpression.compile(JSON.readTree(json.replace('\'', '"')));
        } catch (IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static boolean matches(String json, SampleRequest request) {
        return vars(json).matches(request);
    }

    private static String refusal(String json) {
        return assertThrows(IllegalArgumentException.class, () -> vars(json)).getMessage();
    }

    @Test
    void equals_comparesText_orNumbersWhenTheValueIsANumber() {
        SampleRequest request = SampleRequest.get("/").arg("name", "json").arg("age", "018");
        assertTrue(matches("[['arg_name', '==', 'json']]", request));
        assertFalse(matches("[['arg_name', '==', 'JSON']]", request));
        assertTrue(matches("[['arg_age', '==', 18]]", request), "tonumber('018') == 18");
        assertFalse(matches("[['arg_age', '==', '18']]", request), "text: '018' is not '18'");
        assertFalse(matches("[['arg_missing', '==', 'x']]", request));
        assertTrue(matches("[['arg_name', 'json']]", request), "a two-element rule is ==");
    }

    @Test
    void notEquals_isTrueForAnAbsentVariable() {
        SampleRequest request = SampleRequest.get("/").arg("name", "json");
        assertTrue(matches("[['arg_name', '~=', 'xml']]", request));
        assertFalse(matches("[['arg_name', '~=', 'json']]", request));
        assertTrue(matches("[['arg_missing', '~=', 'json']]", request));
        assertTrue(matches("[['arg_name', '~=', 5]]", request), "not a number: differs from every number");
    }

    @Test
    void ordering_comparesAsNumbers_andNothingThatIsNotOne() {
        SampleRequest request = SampleRequest.get("/").arg("age", "18").arg("hex", "0x10").arg("word", "abc");
        assertTrue(matches("[['arg_age', '>', 17]]", request));
        assertFalse(matches("[['arg_age', '>', 18]]", request));
        assertTrue(matches("[['arg_age', '>=', 18]]", request));
        assertTrue(matches("[['arg_age', '<', '19']]", request), "a numeric string on the right is a number too");
        assertTrue(matches("[['arg_age', '<=', 18]]", request));
        assertTrue(matches("[['arg_hex', '==', 16]]", request), "Lua reads hex");
        assertFalse(matches("[['arg_word', '>', 0]]", request));
        assertFalse(matches("[['arg_word', '<', 0]]", request));
        assertFalse(matches("[['arg_missing', '<', 100]]", request));
    }

    @Test
    void regex_findsAnywhere_andTildeStarIgnoresCase() {
        SampleRequest request = SampleRequest.get("/api/v2/users").header("User-Agent", "Mozilla/5.0 Firefox");
        assertTrue(matches("[['uri', '~~', '^/api/v[0-9]+/']]", request));
        assertFalse(matches("[['uri', '~~', '^/v[0-9]+/']]", request));
        assertTrue(matches("[['http_user_agent', '~~', 'Firefox']]", request));
        assertFalse(matches("[['http_user_agent', '~~', 'firefox']]", request));
        assertTrue(matches("[['http_user_agent', '~*', 'firefox']]", request));
        assertFalse(matches("[['http_referer', '~~', '.*']]", request), "an absent variable matches no regex");
    }

    @Test
    void in_and_has() {
        SampleRequest request = SampleRequest.get("/").arg("env", "prod").header("X-Tag", "a").header("X-Tag", "b");
        assertTrue(matches("[['arg_env', 'in', ['dev', 'prod']]]", request));
        assertFalse(matches("[['arg_env', 'in', ['dev', 'test']]]", request));
        assertTrue(matches("[['http_x_tag', 'has', 'b']]", request), "one of a repeated header's values");
        assertFalse(matches("[['http_x_tag', 'has', 'c']]", request));
    }

    @Test
    void ipmatch_and_notOperator() {
        SampleRequest request = SampleRequest.get("/").from("10.1.2.3");
        assertTrue(matches("[['remote_addr', 'ipmatch', ['10.0.0.0/8', '::1']]]", request));
        assertFalse(matches("[['remote_addr', 'ipmatch', '192.168.0.0/16']]", request));
        assertTrue(matches("[['remote_addr', '!', 'ipmatch', '192.168.0.0/16']]", request));
        assertFalse(matches("[['remote_addr', '!', '==', '10.1.2.3']]", request));
    }

    @Test
    void listsAreAnd_andLogicalNodesNest() {
        SampleRequest request = SampleRequest.get("/").arg("a", "1").arg("b", "2");
        assertTrue(matches("[['arg_a', '==', '1'], ['arg_b', '==', '2']]", request));
        assertFalse(matches("[['arg_a', '==', '1'], ['arg_b', '==', '3']]", request));
        assertTrue(matches("['OR', ['arg_a', '==', '9'], ['arg_b', '==', '2']]", request));
        assertFalse(matches("['OR', ['arg_a', '==', '9'], ['arg_b', '==', '9']]", request));
        assertTrue(matches("['AND', ['arg_a', '==', '1'], ['OR', ['arg_b', '==', '9'], ['arg_b', '==', '2']]]", request));
        assertFalse(matches("['!AND', ['arg_a', '==', '1'], ['arg_b', '==', '2']]", request));
        assertTrue(matches("['!OR', ['arg_a', '==', '9'], ['arg_b', '==', '9']]", request));
        assertTrue(matches("['or', ['arg_a', '==', '9'], ['arg_b', '==', '2']]", request), "any case");
        assertTrue(matches("[]", request), "no vars: every request");
    }

    @Test
    void variables_readTheRequestModel() {
        SampleRequest request = SampleRequest.of("api.test", "POST", "/p").port(9443).from("::1")
                .cookie("session", "s1").header("X-Forwarded-Proto", "https");
        assertTrue(matches("[['host', '==', 'api.test'], ['request_method', '==', 'POST'], ['server_port', '==', 9443]]",
                request));
        assertTrue(matches("[['cookie_session', '==', 's1'], ['http_x_forwarded_proto', '==', 'https']]", request));
        assertTrue(matches("[['remote_addr', 'ipmatch', '::1/128']]", request));
    }

    @Test
    void whatDoesNotCompile_isRefusedWithLuaRestyExprsWords() {
        assertEquals("invalid operator '='", refusal("[['remote_addr', '=', '127.0.0.1']]"));
        assertEquals("invalid operator 'foo'", refusal("[['arg_x', 'foo', null]]"), "a null is a value, not a missing one");
        assertEquals("rule should be wrapped inside brackets", refusal("['arg_name', '==', 'json']"));
        assertEquals("rule too short", refusal("['OR', ['arg_a', '==', '1']]"));
        assertEquals("bad 'not' expression", refusal("[['arg_a', 'not', '==', '1']]"));
        assertEquals("invalid expression", refusal("[[5, '==', '1']]"));
        assertTrue(refusal("[['arg_a', '~~', '(']]").startsWith("invalid regular expression"));
        assertTrue(refusal("[['remote_addr', 'ipmatch', 'nowhere']]").startsWith("invalid ip address"));
        assertEquals("variable 'upstream_addr' is not supported by this gateway",
                refusal("[['upstream_addr', '==', 'x']]"));
        assertTrue(refusal("[['post_arg.model', '==', 'x']]").contains("not supported by this gateway"));
        assertTrue(refusal("[['post_arg.messages[.content', 'has', 'x']]").startsWith("invalid expression"));
    }

    @Test
    void luaNumbers() {
        assertEquals(18.0, LuaNumber.parse(" 18 "));
        assertEquals(16.0, LuaNumber.parse("0x10"));
        assertEquals(100.0, LuaNumber.parse("1e2"));
        assertEquals(null, LuaNumber.parse("1d"));
        assertEquals(null, LuaNumber.parse("NaN"));
        assertEquals(null, LuaNumber.parse(""));
    }
}
