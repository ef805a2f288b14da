#!/usr/bin/env bash
# The gateway and nginx side by side, in one run of ../shared/bench/run-anchors.sh (TARGETS="nginx custom"):
# proxied HTTPS requests/s over HTTP/1.1 keep-alive (wrk) and h2 (h2load), and full TLS handshakes/s, with the
# same certificates, upstream and load. Prints the harness's table, then the gateway/nginx ratios run by run
# with both p99s; compare ratios within one run only.
#
#   bench/gateway-vs-nginx.sh                      # ECDSA P-256, 1 certificate, h1 h2 hs, one run
#   ALGS="rsa2048 ecdsa-p256" NS="1 2000" RUNS=3 bench/gateway-vs-nginx.sh
#   TARGET=war bench/gateway-vs-nginx.sh           # gateway.war in a stock jetty-home instead of the launcher
#
# TARGET=jar (default) runs README's first command (gateway-webapp/target/gateway, no JVM options: what a user
# gets); TARGET=war the jetty-base of README's "Run on stock Jetty" (needs `mvn -B -ntp verify -pl jetty-base -am`).
# Both on Java 25 where it is installed. Needs root (the harness adds one marked line to /etc/hosts and restores
# it) and installs nginx, wrk, nghttp2-client (h2load), openssl, gcc and libssl-dev with apt-get when missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED_BENCH:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || true)}
[ -x "$SHARED/run-anchors.sh" ] || { echo "set SHARED_BENCH to the directory holding run-anchors.sh" >&2; exit 2; }
TARGET=${TARGET:-jar}

need=()
for tool in nginx:nginx wrk:wrk h2load:nghttp2-client openssl:openssl gcc:gcc curl:curl; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
if [ "${#need[@]}" -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
case $TARGET in
  jar)
    [ -x "$ROOT/gateway-webapp/target/gateway" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package -pl gateway-webapp -am)
    export CUSTOM_NAME=gateway CUSTOM_HTTP=1
    export CUSTOM_CMD="$HERE/run-gateway-for-bench.sh @TLS_PORT@ @HTTP_PORT@ @UP_PORT@ @CERTDIR@" ;;
  war)
    [ -d "$ROOT/jetty-base/target/jetty-base" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests verify -pl jetty-base -am)
    export CUSTOM_NAME=gateway-war CUSTOM_HTTP=1
    export CUSTOM_CMD="$HERE/run-war-for-bench.sh @TLS_PORT@ @HTTP_PORT@ @UP_PORT@ @CERTDIR@" ;;
  *) echo "TARGET must be jar or war, not $TARGET" >&2; exit 2 ;;
esac

export WORK=${WORK:-${TMPDIR:-/tmp}/perf}
export TARGETS=${TARGETS:-"nginx custom"}
export ALGS=${ALGS:-ecdsa-p256} NS=${NS:-1} RUNS=${RUNS:-1} TESTS=${TESTS:-"h1 h2 hs"} WARM=${WARM:-20}
export START_TIMEOUT=${START_TIMEOUT:-300} PLAIN=${PLAIN:-0}
before=$(ls -d "$WORK"/results/*/ 2>/dev/null | sort | tail -n 1 || true)
"$SHARED/run-anchors.sh"
results=$(ls -d "$WORK"/results/*/ 2>/dev/null | sort | tail -n 1)
[ -n "$results" ] && [ "$results" != "$before" ] || { echo "no results from the harness" >&2; exit 1; }

# gateway / nginx, for each algorithm, N, test and run, from the harness's results.tsv.
echo
echo "## $CUSTOM_NAME / nginx, run by run ($(basename "$results"))"
echo
echo "| alg | N | test | run | $CUSTOM_NAME req/s | nginx req/s | ratio | p99 $CUSTOM_NAME / nginx ms | p99 ratio | CPU us/req $CUSTOM_NAME / nginx |"
echo "|---|---|---|---|---|---|---|---|---|---|"
awk -F'\t' -v gw="$CUSTOM_NAME" 'NR > 1 { k = $2 "|" $3 "|" $4 "|" $5
    if ($1 == "nginx") { n[k] = $6; np[k] = $8; nc[k] = $12 } else if ($1 == gw) { g[k] = $6; gp[k] = $8; gc[k] = $12; order[++m] = k } }
  END { for (i = 1; i <= m; i++) { k = order[i]; split(k, p, "|")
      r = (n[k] > 0) ? sprintf("%.2f", g[k] / n[k]) : "NA"; pr = (np[k] > 0) ? sprintf("%.2f", gp[k] / np[k]) : "NA"
      printf "| %s | %s | %s | %s | %s | %s | **%s** | %s / %s | %s | %s / %s |\n", p[1], p[2], p[3], p[4], g[k], n[k], r, gp[k], np[k], pr, gc[k], nc[k] } }' \
  "$results/results.tsv"
echo
echo "Start and memory (ready s, RSS MB after start / after the tests):"
awk -F'\t' '{ printf "  %s %s N=%s: ready %s s, RSS %.0f / %.0f MB\n", $1, $2, $3, $4, $5 / 1024, $7 / 1024 }' "$results/startup.tsv"
