#!/usr/bin/env bash
# The APISIX "Vault certificates" walk-through, end to end, with this project's parts:
# a Vault (yours at VAULT_ADDR + VAULT_TOKEN, else the project's in-memory TEST server), KV v1 at kv/, a
# read-only policy and a token with it, a CA and a test.com certificate made with openssl and stored in Vault,
# a local stand-in for httpbin's /ip, the gateway, the walk-through's three admin calls, then curl over h2.
# Exits non-zero if any step fails; stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

HTTP_PORT=${HTTP_PORT:-9080}; HTTPS_PORT=${HTTPS_PORT:-9443}; ADMIN_PORT=${ADMIN_PORT:-9180}
VAULT_PORT=${VAULT_PORT:-8200}; UPSTREAM_PORT=${UPSTREAM_PORT:-9081}
ADMIN_KEY=${ADMIN_KEY:-quickstart-admin-key}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n==> %s\n' "$*"; }
fail() { echo "quickstart FAILED: $*" >&2; exit 1; }
wait_for() {  # url, what
  for _ in $(seq 1 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done
  fail "$2 did not come up at $1"
}
for tool in java curl openssl; do command -v "$tool" >/dev/null || fail "$tool is required"; done

GATEWAY=gateway-webapp/target/gateway   # the launcher beside gateway.jar
VAULT_JAR=vault-test-server/target/vault-test-server.jar
if [ ! -x "$GATEWAY" ] || [ ! -f "$GATEWAY.jar" ] || [ ! -f "$VAULT_JAR" ]; then
  step "Building the gateway and the Vault test server"
  mvn -B -q -ntp -DskipTests package -pl gateway-webapp,vault-test-server -am
fi

if [ -n "${VAULT_ADDR:-}" ]; then
  step "Using the Vault at $VAULT_ADDR"
  [ -n "${VAULT_TOKEN:-}" ] || fail "VAULT_TOKEN is required with VAULT_ADDR"
else
  VAULT_ADDR=http://127.0.0.1:$VAULT_PORT
  VAULT_TOKEN=apisix-quickstart-vault-token
  step "No VAULT_ADDR: starting the project's Vault-compatible TEST server (in memory, for trying out only)"
  java -jar "$VAULT_JAR" -port "$VAULT_PORT" -root-token "$VAULT_TOKEN" > "$WORK/vault.log" 2>&1 &
  PIDS+=($!)
  wait_for "$VAULT_ADDR/v1/sys/health" "Vault"
fi
vault() {  # method path [json]
  curl -sS -f -H "X-Vault-Token: $VAULT_TOKEN" -X "$1" "$VAULT_ADDR/v1/$2" ${3:+-d "$3"}
}

step "vault secrets enable -path=kv -version=1 kv"
out=$(curl -sS -H "X-Vault-Token: $VAULT_TOKEN" -X POST "$VAULT_ADDR/v1/sys/mounts/kv" \
      -d '{"type":"kv","options":{"version":"1"}}')
case "$out" in ""|*"path is already in use"*) ;; *) fail "enabling kv: $out" ;; esac

step "vault policy write apisix-policy (read on kv/apisix/*) and a token with it"
vault PUT sys/policies/acl/apisix-policy '{"policy":"path \"kv/apisix/*\" {\n    capabilities = [\"read\"]\n}\n"}'
APISIX_TOKEN=$(vault POST auth/token/create '{"policies":["apisix-policy"]}' | sed -n 's/.*"client_token":"\([^"]*\)".*/\1/p')
[ -n "$APISIX_TOKEN" ] || fail "no token created"

step "A CA (CN=ROOTCA) and a test.com certificate, as in the walk-through"
(
  cd "$WORK"
  openssl genrsa -out ca.key 2048 2>/dev/null
  openssl req -new -sha256 -key ca.key -out ca.csr -subj "/CN=ROOTCA"
  openssl x509 -req -days 36500 -sha256 -signkey ca.key -in ca.csr -out ca.crt 2>/dev/null
  openssl genrsa -out server.key 2048 2>/dev/null
  openssl req -new -sha256 -key server.key -out server.csr -subj "/CN=test.com"
  openssl x509 -req -days 36500 -sha256 -CA ca.crt -CAkey ca.key -CAserial ca.srl -CAcreateserial \
    -in server.csr -out server.crt 2>/dev/null
)

step "vault kv put kv/apisix/ssl test.com.crt=@server.crt test.com.key=@server.key"
json_file() { awk 'BEGIN { ORS="" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print $0 "\\n" }' "$1"; }
vault PUT kv/apisix/ssl "{\"test.com.crt\":\"$(json_file "$WORK/server.crt")\",\"test.com.key\":\"$(json_file "$WORK/server.key")\"}"

step "A local stand-in for httpbin's /ip on 127.0.0.1:$UPSTREAM_PORT"
java examples/httpbin-ip/IpServer.java "$UPSTREAM_PORT" > "$WORK/upstream.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$UPSTREAM_PORT/ip" "the upstream"

step "The gateway"
"$GATEWAY" --data-dir "$WORK/data" --admin-key "$ADMIN_KEY" --http-port "$HTTP_PORT" \
  --https-port "$HTTPS_PORT" --admin-port "$ADMIN_PORT" > "$WORK/gateway.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 150); do grep -q "HTTPS listening" "$WORK/gateway.log" && break; sleep 0.2; done
grep -q "HTTPS listening" "$WORK/gateway.log" || { cat "$WORK/gateway.log"; fail "the gateway did not start"; }

admin() {  # method path json
  code=$(curl -sS -o "$WORK/admin.out" -w '%{http_code}' "http://127.0.0.1:$ADMIN_PORT/apisix/admin/$2" \
         -H "X-API-KEY: $ADMIN_KEY" -X "$1" -d "$3")
  cat "$WORK/admin.out"; echo
  case "$code" in 200|201) ;; *) fail "admin $1 $2 answered $code" ;; esac
}
step "Admin call 1: the secret object quickstart-secret-id"
admin PUT secrets/vault/quickstart-secret-id "{
    \"uri\": \"$VAULT_ADDR\",
    \"prefix\": \"kv/apisix\",
    \"token\" : \"$APISIX_TOKEN\"
}"
step "Admin call 2: the SSL object for test.com, cert and key from Vault"
admin PUT ssls '{
  "id": "quickstart-tls-client-ssl",
  "sni": "test.com",
  "cert": "$secret://vault/quickstart-secret-id/ssl/test.com.crt",
  "key": "$secret://vault/quickstart-secret-id/ssl/test.com.key"
}'
step "Admin call 3: the route /ip"
admin PUT routes "{
  \"id\": \"quickstart-client-ip\",
  \"uri\": \"/ip\",
  \"upstream\": {
    \"nodes\": {
      \"127.0.0.1:$UPSTREAM_PORT\":1
    },
    \"type\": \"roundrobin\"
  }
}"

step "curl -ikv --resolve \"test.com:$HTTPS_PORT:127.0.0.1\" \"https://test.com:$HTTPS_PORT/ip\""
ok=""
for _ in $(seq 1 50); do
  if curl -ikv --max-time 10 --resolve "test.com:$HTTPS_PORT:127.0.0.1" "https://test.com:$HTTPS_PORT/ip" \
       > "$WORK/curl.out" 2>&1 && grep -q "HTTP/2 200" "$WORK/curl.out"; then ok=1; break; fi
  sleep 0.1
done
cat "$WORK/curl.out"
[ -n "$ok" ] || fail "no HTTP/2 200 from https://test.com:$HTTPS_PORT/ip"
for expected in "TLSv1.3" "ALPN: server accepted h2" "subject: CN=test.com" "issuer: CN=ROOTCA" "HTTP/2 200"; do
  grep -q "$expected" "$WORK/curl.out" || fail "curl output lacks '$expected'"
done
printf '\nquickstart OK: test.com served over TLSv1.3 and h2 with the certificate kept in Vault\n'
