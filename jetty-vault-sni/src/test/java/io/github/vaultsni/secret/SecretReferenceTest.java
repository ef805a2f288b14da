package io.github.vaultsni.secret;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretReferenceTest {

    @Test
    void parse_walkThroughReference_splitsManagerIdPathAndField() {
        SecretReference ref = SecretReference.parse("$secret://vault/quickstart-secret-id/ssl/test.com.crt");
        assertEquals(SecretReference.Scheme.SECRET, ref.scheme());
        assertEquals(new SecretLocation("vault", "quickstart-secret-id", "ssl"), ref.location());
        assertEquals("test.com.crt", ref.field().orElseThrow());
    }

    @Test
    void parse_nestedPath_splitsAtLastSlash() {
        SecretReference ref = SecretReference.parse("$secret://vault/1/team/web/certs/www.key");
        assertEquals("team/web/certs", ref.location().path());
        assertEquals("www.key", ref.field().orElseThrow());
    }

    @ParameterizedTest
    @CsvSource({"$SECRET://vault/a/b/c", "$Secret://VAULT/a/b/c"})
    void parse_schemeAndManagerAreCaseInsensitive(String text) {
        SecretReference ref = SecretReference.parse(text);
        assertEquals("vault", ref.location().manager());
        assertEquals("$secret://vault/a/b/c", ref.toString());
    }

    @Test
    void parse_env_withAndWithoutField() {
        SecretReference plain = SecretReference.parse("$ENV://VAULT_TOKEN");
        assertEquals(SecretReference.Scheme.ENV, plain.scheme());
        assertEquals("VAULT_TOKEN", plain.location().path());
        assertTrue(plain.field().isEmpty());
        SecretReference field = SecretReference.parse("$env://APPROLE/secret_id");
        assertEquals("secret_id", field.field().orElseThrow());
        assertEquals("$env://APPROLE/secret_id", field.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "$secret://vault/id/field|invalid secret reference $secret://vault/id/field: expected $secret://<manager>/<id>/<path>/<field>",
            "$secret://vault|invalid secret reference $secret://vault: expected $secret://<manager>/<id>/<path>/<field>",
            "$secret://vault//ssl/crt|invalid secret reference $secret://vault//ssl/crt: empty path segment",
            "$secret://vault/id/ssl/|invalid secret reference $secret://vault/id/ssl/: empty path segment",
            "$env://|invalid secret reference $env://: missing environment variable name",
            "$env://NAME/|invalid secret reference $env://NAME/: empty field after the variable name",
            "secret://vault/a/b/c|not a secret reference: must start with $secret:// or $env://",
            "-----BEGIN CERTIFICATE-----|not a secret reference: must start with $secret:// or $env://"})
    void parse_malformed_namesWhatIsWrong(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> SecretReference.parse(text)).getMessage());
    }

    @Test
    void isReference_recognisesBothSchemesOnly() {
        assertTrue(SecretReference.isReference("$secret://vault/a/b/c"));
        assertTrue(SecretReference.isReference("$Env://X"));
        assertFalse(SecretReference.isReference("-----BEGIN PRIVATE KEY-----"));
        assertFalse(SecretReference.isReference(null));
    }

    @Test
    void roundTrip_toStringParsesBackToEqualReference() {
        for (String text : new String[]{"$secret://vault/id/a/b/c.pem", "$env://X", "$env://X/y"}) {
            SecretReference ref = SecretReference.parse(text);
            assertEquals(ref, SecretReference.parse(ref.toString()));
            assertEquals(text, ref.toString());
        }
    }
}
