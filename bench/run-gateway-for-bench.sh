#!/usr/bin/env bash
# Runs gateway.jar in the foreground for ../shared/bench/run-anchors.sh (its CUSTOM_CMD):
#   run-gateway-for-bench.sh TLS_PORT HTTP_PORT UP_PORT CERTDIR
# Loads every certificate of CERTDIR/hosts.txt as an SSL object (inline PEM) and a route /* to the harness's
# upstream through the admin API, then waits; SIGTERM stops the gateway.
set -euo pipefail
TLS_PORT=$1; HTTP_PORT=$2; UP_PORT=$3; CERTDIR=$4
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ADMIN_PORT=$((TLS_PORT + 1000)); KEY=bench-admin-key
DATA=$(mktemp -d)
java ${GATEWAY_JAVA_OPTS:--Xms512m -Xmx512m} -jar "$ROOT/gateway-webapp/target/gateway.jar" --data-dir "$DATA/data" \
  --admin-key "$KEY" --https-host 127.0.0.1 --https-port "$TLS_PORT" --http-host 127.0.0.1 --http-port "$HTTP_PORT" \
  --admin-port "$ADMIN_PORT" &
GW=$!
trap 'kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null; rm -rf "$DATA"' EXIT
trap 'exit 0' TERM INT
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
echo "gateway loaded $i certificates" >&2
wait "$GW"
