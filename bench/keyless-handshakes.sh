#!/usr/bin/env bash
# Keyless handshakes beside ordinary ones, in one run: the gateway (README's first command) with two ECDSA P-256
# (or RSA-2048) objects, one whose key is inline and one whose key is a Vault Transit key of the Vault test server
# (a local Vault, its own process), then full TLS handshakes/s (tls-hs-bench from ../shared/bench: a new connection
# per handshake, no request) for each name, alternating, RUNS times; then the gateway's count of keyless signatures.
#
#   bench/keyless-handshakes.sh                       # ecdsa-p256, 3 runs of 15 s each
#   TYPE=rsa-2048 RUNS=2 SECS=10 bench/keyless-handshakes.sh
# GATEWAY_* settings reach the gateway (e.g. GATEWAY_TLS_PROVIDER=jdk). Compare the ratio within one run only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TYPE=${TYPE:-ecdsa-p256}; RUNS=${RUNS:-3}; SECS=${SECS:-15}; CONNS=${CONNS:-32}; THREADS=${THREADS:-2}
HS=${HS_BENCH:-${TMPDIR:-/tmp}/perf/bin/tls-hs-bench}
SHARED=${SHARED_BENCH:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || true)}
ADMIN_PORT=29181; HTTPS_PORT=29444; HTTP_PORT=29081; VAULT_PORT=29200; KEY=bench-admin-key; TOKEN=bench-root
DATA=$(mktemp -d)
GW=; VAULT=
export GATEWAY_METRICS_PORT=${GATEWAY_METRICS_PORT:-29091}
. "$ROOT/bench/gateway-lib.sh"
trap '[ -z "$VAULT" ] || kill "$VAULT" 2>/dev/null; [ -z "$GW" ] || { kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null; }; rm -rf "$DATA"' EXIT
if [ ! -x "$HS" ]; then
  [ -f "$SHARED/tools/tls-hs-bench.c" ] || { echo "set HS_BENCH or SHARED_BENCH (tls-hs-bench)" >&2; exit 2; }
  mkdir -p "$(dirname "$HS")" && gcc -O2 -o "$HS" "$SHARED/tools/tls-hs-bench.c" -lssl -lcrypto -lpthread
fi
[ -x "$ROOT/gateway-webapp/target/gateway" ] && [ -f "$ROOT/vault-test-server/target/vault-test-server.jar" ] \
  || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package -pl gateway-webapp,vault-test-server -am)

java -jar "$ROOT/vault-test-server/target/vault-test-server.jar" -port "$VAULT_PORT" -root-token "$TOKEN" >"$DATA/vault.log" 2>&1 &
VAULT=$!
vault() { curl -sS -f -H "X-Vault-Token: $TOKEN" -X "$1" "http://127.0.0.1:$VAULT_PORT/v1/$2" ${3:+-d "$3"}; }
for _ in $(seq 1 100); do vault GET sys/health >/dev/null 2>&1 && break; sleep 0.1; done
vault POST sys/mounts/transit '{"type":"transit"}' >/dev/null
vault POST transit/keys/bench "{\"type\":\"$TYPE\"}" >/dev/null
vault GET transit/keys/bench | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["keys"]["1"]["public_key"], end="")' >"$DATA/transit.pub"

# A CA, an ordinary leaf, and a leaf for the Transit key's public key (a throwaway key's request, its key forced).
case $TYPE in ecdsa-*) ALG=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;; *) ALG=(-newkey rsa:2048) ;; esac
cd "$DATA"
openssl req -x509 -new "${ALG[@]}" -nodes -keyout ca.key -out ca.crt -subj /CN=bench-ca -days 2 2>/dev/null
for name in plain keyless; do
  openssl req -new "${ALG[@]}" -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name.bench.test" 2>/dev/null
  printf 'subjectAltName=DNS:%s.bench.test\n' "$name" >"$name.ext"
done
openssl x509 -req -in plain.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out plain.crt -days 2 -extfile plain.ext 2>/dev/null
openssl x509 -req -in keyless.csr -force_pubkey transit.pub -CA ca.crt -CAkey ca.key -CAcreateserial -out keyless.crt \
  -days 2 -extfile keyless.ext 2>/dev/null
cd - >/dev/null

gateway "$HTTPS_PORT" "$HTTP_PORT" >"$DATA/gateway.log" 2>&1
ADMIN_URL=http://127.0.0.1:$ADMIN_PORT/apisix/admin
for _ in $(seq 1 600); do curl -s -o /dev/null -f -H "X-API-KEY: $KEY" "$ADMIN_URL/routes" && break; sleep 0.2; done
admin secrets/vault/bench "{\"uri\":\"http://127.0.0.1:$VAULT_PORT\",\"prefix\":\"kv\",\"token\":\"$TOKEN\"}"
admin ssls/plain "{\"sni\":\"plain.bench.test\",\"cert\":\"$(json "$DATA/plain.crt")\",\"key\":\"$(json "$DATA/plain.key")\"}"
admin ssls/keyless "{\"sni\":\"keyless.bench.test\",\"cert\":\"$(json "$DATA/keyless.crt")\",\"signer\":{\"vault_transit\":{\"secret_id\":\"bench\",\"key\":\"bench\"}}}"
for name in plain keyless; do
  for _ in $(seq 1 100); do
    echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$name.bench.test" -CAfile "$DATA/ca.crt" \
      -verify_return_error 2>/dev/null | grep -q "Verify return code: 0" && break
    sleep 0.1
  done
done

run_hs() { "$HS" -R -p "$HTTPS_PORT" -c "$CONNS" -t "$THREADS" -w 2 -d "$SECS" -s "$1" 2>/dev/null | grep '^RESULT' || true; }
field() { grep -oE "(^| )$1=[^ ]+" <<<"$2" | head -n 1 | cut -d= -f2; }
echo "| run | ordinary hs/s | keyless hs/s | keyless / ordinary | hs p50 ms ordinary / keyless | hs p99 ms ordinary / keyless | errors ordinary / keyless |"
echo "|---|---|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  plain=$(run_hs plain.bench.test); keyless=$(run_hs keyless.bench.test)
  p=$(field rate "$plain"); k=$(field rate "$keyless")
  ratio=$(awk -v a="$k" -v b="$p" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')
  echo "| $run | $p | $k | $ratio | $(field hs_p50_ms "$plain") / $(field hs_p50_ms "$keyless") | $(field hs_p99_ms "$plain") / $(field hs_p99_ms "$keyless") | $(field errors "$plain") / $(field errors "$keyless") |"
done
echo
echo "the gateway's keyless signatures:"
curl -s "http://127.0.0.1:$GATEWAY_METRICS_PORT/apisix/prometheus/metrics" | grep -E '^vault_sni_keyless' || true
exit 0
