#!/usr/bin/env bash
# Runs the gateway (README's first command: the launcher gateway-webapp/target/gateway) in the foreground for
# ../shared/bench/run-anchors.sh (its CUSTOM_CMD):
#   run-gateway-for-bench.sh TLS_PORT HTTP_PORT UP_PORT CERTDIR
# First loads every certificate of CERTDIR/hosts.txt as an SSL object (inline PEM) and a route /* to the
# harness's upstream through the admin API of a gateway on side ports, and stops it; then starts the gateway
# on the harness's ports from that data, so the harness's "ready" time is a start with every object loaded and
# its checks never race the loading. SIGTERM stops the gateway.
# GATEWAY_JAVA_OPTS: JVM options instead of the launcher's defaults (none: what a user gets); any GATEWAY_*
# setting (e.g. GATEWAY_TLS_PROVIDER) reaches the gateway through the environment.
set -euo pipefail
TLS_PORT=$1; HTTP_PORT=$2; UP_PORT=$3; CERTDIR=$4
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ADMIN_PORT=$((TLS_PORT + 1000)); KEY=bench-admin-key
DATA=$(mktemp -d)
GW=
. "$ROOT/bench/gateway-lib.sh"
trap '[ -z "$GW" ] || { kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null; }; rm -rf "$DATA"' EXIT
trap 'exit 0' TERM INT

gateway $((TLS_PORT + 2000)) $((HTTP_PORT + 2000))
load_certificates "$CERTDIR" "$UP_PORT"
kill "$GW"; wait "$GW" 2>/dev/null || true
echo "gateway loaded $LOADED certificates; starting it on the benchmark's ports" >&2

gateway "$TLS_PORT" "$HTTP_PORT"
wait "$GW"
