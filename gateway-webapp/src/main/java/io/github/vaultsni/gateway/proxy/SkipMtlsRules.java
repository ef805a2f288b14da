package io.github.vaultsni.gateway.proxy;

import java.util.List;
import java.util.regex.Pattern;

/** An SSL object's {@code client.skip_mtls_uri_regex}: the URIs that may be requested without a client certificate. */
@FunctionalInterface
public interface SkipMtlsRules {

    /** The patterns of the SSL object with this id; empty when it has none (or no such object exists). */
    List<Pattern> skipMtlsUris(String sslObjectId);
}
