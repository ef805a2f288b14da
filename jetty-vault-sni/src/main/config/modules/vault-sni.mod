[description]
Serves TLS certificates kept in HashiCorp Vault, chosen by SNI, on the ssl connector (https, http2).
Certificates are listed in a bindings file (etc/vault-sni.json) as APISIX SSL objects whose cert/key are
$secret://vault/<id>/<path>/<field> references (or $env:// references, or inline PEM); they are resolved
through Vault, cached, refreshed in the background and rotated without a restart. A deployed gateway WAR
serves its SSL objects through the same certificate registry.
Enable it before https: java -jar $JETTY_HOME/start.jar --add-modules=vault-sni,https
(it provides "ssl-context", so a base that already enabled the stock ssl-context must drop that first).

[tags]
connector
ssl
vault

[provides]
ssl-context

[depend]
server

[lib]
lib/vault-sni/*.jar

[xml]
etc/jetty-vault-sni.xml

[ini-template]
# tag::documentation[]
### Vault SNI certificates

## Whether clients get TLS session tickets after a full handshake: true (Jetty's default) or false (APISIX's
## ssl_session_tickets: false, for forward secrecy; no session resumes from a ticket).
# jetty.sslContext.sessionTickets=true

## The Vault address; leave unset to use only inline PEM and $env:// references.
# jetty.vaultSni.vaultUri=http://127.0.0.1:8200

## The id references use for this Vault: $secret://vault/<id>/<path>/<field>.
# jetty.vaultSni.vaultSecretObjectId=vault-sni

## The Vault path references are read below, e.g. kv/apisix (none by default).
# jetty.vaultSni.vaultPrefix=

## The Vault namespace (Vault Enterprise; sent as X-Vault-Namespace). None by default.
# jetty.vaultSni.vaultNamespace=

## The KV engine version: auto (asked of Vault once per mount), 1 or 2.
# jetty.vaultSni.vaultKvVersion=auto

## How to log in: token, token_file, approle, kubernetes, jwt or cert. Unset: approle when vaultRoleId is set,
## else token_file when vaultTokenFile is set, else token (from vaultTokenEnv).
# jetty.vaultSni.vaultAuthMethod=

## The Vault token: a file (relative to $JETTY_BASE) a Vault Agent keeps fresh, read again when it changes...
# jetty.vaultSni.vaultTokenFile=
## ...or else this environment variable. Never written here.
# jetty.vaultSni.vaultTokenEnv=VAULT_TOKEN

## AppRole instead of a token: the role_id, and the secret_id from a file or an environment variable.
# jetty.vaultSni.vaultRoleId=
# jetty.vaultSni.vaultSecretIdFile=
# jetty.vaultSni.vaultSecretIdEnv=VAULT_SECRET_ID

## kubernetes and jwt: the role to log in as, and the JWT file, read at every login (kubernetes: by default the
## pod's /var/run/secrets/kubernetes.io/serviceaccount/token). cert: the certificate role (optional) and the
## client certificate and key files, read at every login; Vault must be https.
# jetty.vaultSni.vaultAuthRole=
# jetty.vaultSni.vaultJwtFile=
# jetty.vaultSni.vaultCertFile=
# jetty.vaultSni.vaultKeyFile=
## Where the login method is enabled, below auth/ (default: the method's name), and the namespace to log in to.
# jetty.vaultSni.vaultAuthMount=
# jetty.vaultSni.vaultAuthNamespace=

## For an HTTPS Vault: PEM CA certificates to trust (file, relative to $JETTY_BASE; default: the JDK's), and
## whether to verify Vault's certificate and host name at all.
# jetty.vaultSni.vaultCaFile=
# jetty.vaultSni.vaultVerify=true

## The most one request to Vault may take, in seconds.
# jetty.vaultSni.vaultTimeout=5

## How long a secret read from Vault is fresh, in seconds; after it, the value is served while it is re-read.
# jetty.vaultSni.cacheTtl=300
## How long a failure to read a secret is remembered before the next attempt, in seconds.
# jetty.vaultSni.cacheNegativeTtl=60
## How long past its TTL a value may still be served while Vault is unreachable, in seconds; 0: no limit.
# jetty.vaultSni.cacheMaxStale=0

## The entry (by id) served to clients that send no SNI; none by default (they are refused).
# jetty.vaultSni.defaultEntry=
## Or, as APISIX's apisix.ssl.fallback_sni: the name whose certificate they get (looked up as an SNI).
# jetty.vaultSni.fallbackSni=

## The bindings file (relative to $JETTY_BASE), and how often it is checked for changes, in milliseconds.
# jetty.vaultSni.bindingsFile=etc/vault-sni.json
# jetty.vaultSni.bindingsScanInterval=1000

## Prometheus metrics of the certificates (expiry, state), TLS handshakes and Vault reads, at /metrics on a port
## of the module's own (text format 0.0.4 or OpenMetrics, as the scraper asks); 0: off (the default). The names
## are listed in the project's README ("Observability").
# jetty.vaultSni.metricsPort=0
## The address that port listens on.
# jetty.vaultSni.metricsHost=127.0.0.1
# end::documentation[]
