#!/usr/bin/env bash
# Runs gateway.jar in the foreground for ../shared/bench/run-anchors.sh (its CUSTOM_CMD):
#   run-gateway-for-bench.sh TLS_PORT HTTP_PORT UP_PORT CERTDIR
# First loads every certificate of CERTDIR/hosts.txt as an SSL object (inline PEM) and a route /* to the
# harness's upstream through the admin API of a gateway on side ports, and stops it; then starts the gateway
# on the harness's ports from that data, so the harness's "ready" time is a start with every object loaded and
# its checks never race the loading. SIGTERM stops the gateway.
# GATEWAY_JAVA_OPTS: JVM options (default -Xms512m -Xmx512m); any GATEWAY_* setting (e.g. GATEWAY_TLS_PROVIDER)
# reaches the jar through the environment.
set -euo pipefail
TLS_PORT=$1; HTTP_PORT=$2; UP_PORT=$3; CERTDIR=$4
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ADMIN_PORT=$((TLS_PORT + 1000)); KEY=bench-admin-key
DATA=$(mktemp -d)
GW=
trap '[ -z "$GW" ] || { kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null; }; rm -rf "$DATA"' EXIT
trap 'exit 0' TERM INT

gateway() { # https-port http-port
  java ${GATEWAY_JAVA_OPTS:--Xms512m -Xmx512m} -jar "$ROOT/gateway-webapp/target/gateway.jar" --data-dir "$DATA/data" \
    --encryption-key-file "$DATA/key" --admin-key "$KEY" --https-host 127.0.0.1 --https-port "$1" \
    --http-host 127.0.0.1 --http-port "$2" --admin-port "$ADMIN_PORT" &
  GW=$!
}

gateway $((TLS_PORT + 2000)) $((HTTP_PORT + 2000))
for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$ADMIN_PORT/apisix/admin/routes" && break; sleep 0.2; done
admin() { curl -sS -f -o /dev/null -H "X-API-KEY: $KEY" -X PUT "http://127.0.0.1:$ADMIN_PORT/apisix/admin/$1" -d "$2"; }
json() { awk 'BEGIN { ORS="" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print $0 "\\n" }' "$1"; }
admin routes/all "{\"uri\":\"/*\",\"upstream\":{\"nodes\":{\"127.0.0.1:$UP_PORT\":1},\"type\":\"roundrobin\"}}"
i=0
while read -r host; do
  [ -n "$host" ] || continue
  i=$((i + 1))
  admin "ssls/$i" "{\"sni\":\"$host\",\"cert\":\"$(json "$CERTDIR/certs/$host.crt")\",\"key\":\"$(json "$CERTDIR/certs/$host.key")\"}"
done < "$CERTDIR/hosts.txt"
kill "$GW"; wait "$GW" 2>/dev/null || true
echo "gateway loaded $i certificates; starting it on the benchmark's ports" >&2

gateway "$TLS_PORT" "$HTTP_PORT"
wait "$GW"
