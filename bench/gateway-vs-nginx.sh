#!/usr/bin/env bash
# The gateway and nginx side by side, in one run of ../shared/bench/run-anchors.sh (TARGETS="nginx custom"):
# proxied HTTPS requests/s over HTTP/1.1 keep-alive (wrk) and h2 (h2load), and full TLS handshakes/s, with the
# same certificates, upstream and load. Prints the harness's table; compare ratios within one run only.
#
#   bench/gateway-vs-nginx.sh                      # ECDSA P-256, 1 certificate, h1 h2 hs, one run
#   ALGS="rsa2048 ecdsa-p256" NS="1 2000" RUNS=2 bench/gateway-vs-nginx.sh
#
# Needs root (the harness adds one marked line to /etc/hosts and restores it) and installs nginx, wrk,
# nghttp2-client (h2load), openssl, gcc and libssl-dev with apt-get when missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED_BENCH:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || true)}
[ -x "$SHARED/run-anchors.sh" ] || { echo "set SHARED_BENCH to the directory holding run-anchors.sh" >&2; exit 2; }

need=()
for tool in nginx:nginx wrk:wrk h2load:nghttp2-client openssl:openssl gcc:gcc curl:curl; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
if [ "${#need[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
[ -f "$ROOT/gateway-webapp/target/gateway.jar" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package -pl gateway-webapp -am)

export TARGETS=${TARGETS:-"nginx custom"} CUSTOM_NAME=gateway CUSTOM_HTTP=1
export ALGS=${ALGS:-ecdsa-p256} NS=${NS:-1} RUNS=${RUNS:-1} TESTS=${TESTS:-"h1 h2 hs"} WARM=${WARM:-20}
export START_TIMEOUT=${START_TIMEOUT:-300} PLAIN=${PLAIN:-0}
export CUSTOM_CMD="$HERE/run-gateway-for-bench.sh @TLS_PORT@ @HTTP_PORT@ @UP_PORT@ @CERTDIR@"
exec "$SHARED/run-anchors.sh"
