#!/usr/bin/env bash
# Where the gateway's memory goes under load, round by round: the gateway (README's first command, one ECDSA P-256
# certificate from ../shared/bench/gen-certs.sh) behind an nginx upstream, then ROUNDS rounds of the shared benchmark's
# loads (wrk HTTP/1.1 keep-alive, h2load h2, tls-hs-bench full handshakes), printing the rates and the RSS after each
# load, and at the end the heap (jcmd GC.heap_info); with NMT=1 also the JVM's native memory since the first round.
#
#   bench/memory-rounds.sh                              # 3 rounds, README's launcher defaults
#   ROUNDS=4 NMT=1 GATEWAY_JAVA_OPTS="-XX:+UseSerialGC -Xmx128m" bench/memory-rounds.sh
# GATEWAY_JAVA_OPTS replaces the launcher's JVM defaults, as for the launcher. Rates move between runs: compare RSS.
# Needs root for one marked /etc/hosts line (removed on exit), nginx, wrk and h2load.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_BENCH:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || true)}
[ -x "$SHARED/gen-certs.sh" ] || { echo "set SHARED_BENCH to the directory holding gen-certs.sh" >&2; exit 2; }
ROUNDS=${ROUNDS:-3}; SECS=${SECS:-20}; H2N=${H2N:-200000}
TLS_PORT=28445; HTTP_PORT=28083; UP_PORT=28080; HOST=site-00001.test
CERTDIR=${TMPDIR:-/tmp}/perf/certs/ecdsa-p256-1
HS=${HS_BENCH:-${TMPDIR:-/tmp}/perf/bin/tls-hs-bench}
RUN=$(mktemp -d); UP=; GWS=; HOSTS_LINE="127.0.0.1 $HOST # bench/memory-rounds.sh"
trap '[ -z "$GWS" ] || kill "$GWS" 2>/dev/null; pkill -f "gateway.jar.*--https-port $TLS_PORT" 2>/dev/null; [ -z "$UP" ] || kill "$UP" 2>/dev/null; sed -i "\|^$HOSTS_LINE\$|d" /etc/hosts 2>/dev/null; rm -rf "$RUN"' EXIT
for tool in nginx wrk h2load; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }; done
[ -x "$HS" ] || { mkdir -p "$(dirname "$HS")" && gcc -O2 -o "$HS" "$SHARED/tools/tls-hs-bench.c" -lssl -lcrypto -lpthread; }
[ -x "$ROOT/gateway-webapp/target/gateway" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package -pl gateway-webapp -am)
"$SHARED/gen-certs.sh" 1 ecdsa-p256 "$CERTDIR" >/dev/null

# wrk takes the SNI from the URL's host: one marked line in /etc/hosts (needs root), removed on exit
grep -qE "^127\.0\.0\.1[[:space:]].*\b$HOST\b" /etc/hosts || echo "$HOSTS_LINE" >>/etc/hosts
mkdir -p "$RUN/nginx"
sed -e "s#@RUN@#$RUN#g" -e "s#@UP_PORT@#$UP_PORT#g" -e "s#@UP_WORKERS@#2#g" "$SHARED/nginx-upstream.conf.tmpl" >"$RUN/up.conf"
nginx -p "$RUN/nginx/" -e "$RUN/up.err" -c "$RUN/up.conf" -g 'daemon off;' & UP=$!
(cd "$RUN" && "$ROOT/bench/run-gateway-for-bench.sh" "$TLS_PORT" "$HTTP_PORT" "$UP_PORT" "$CERTDIR" >"$RUN/gateway.log" 2>&1) & GWS=$!
url=https://$HOST:$TLS_PORT/
for _ in $(seq 1 300); do
  curl -sk --resolve "$HOST:$TLS_PORT:127.0.0.1" "$url" -o /dev/null -w '%{http_code}' 2>/dev/null | grep -q 200 && break
  sleep 1
done
P=$(pgrep -f "gateway.jar.*--https-port $TLS_PORT" | head -n 1)
[ -n "$P" ] || { echo "the gateway did not start: $RUN/gateway.log" >&2; tail -5 "$RUN/gateway.log" >&2; exit 1; }
java=$(readlink -f "/proc/$P/exe"); jcmd=$(dirname "$java")/jcmd
rss() { awk '/^Rss/ { printf "%d", $2 / 1024 }' "/proc/$P/smaps_rollup"; }
[ "${NMT:-0}" = 1 ] && "$jcmd" "$P" VM.native_memory baseline >/dev/null
echo "gateway pid $P, RSS after start $(rss) MB"
echo "| round | h1 req/s | RSS MB | h2 req/s | RSS MB | handshakes/s | RSS MB |"
echo "|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  h1=$(wrk -t2 -c64 -d"${SECS}s" --latency "$url" -H "Host: $HOST" 2>/dev/null | awk '/Requests\/sec/ { print $2 }'); m1=$(rss)
  h2=$(h2load -n "$H2N" -c 32 -m 10 -t 2 --connect-to="127.0.0.1:$TLS_PORT" "https://$HOST:$TLS_PORT/" 2>/dev/null \
    | awk '/finished in/ { print $4 }'); m2=$(rss)
  hs=$("$HS" -p "$TLS_PORT" -c 32 -t 2 -w 0 -d "$SECS" -s "$HOST" 2>/dev/null | grep -oE 'rate=[0-9.]+' | cut -d= -f2); m3=$(rss)
  echo "| $round | $h1 | $m1 | $h2 | $m2 | $hs | $m3 |"
done
"$jcmd" "$P" GC.heap_info | grep -E 'DefNew|Tenured|PSYoung|ParOld|garbage-first|region' || true
if [ "${NMT:-0}" = 1 ]; then
  "$jcmd" "$P" VM.native_memory summary.diff | grep -E 'Total:|^-' | sed -E 's/reserved=[0-9]+KB( [+-][0-9]+KB)?, //'
fi
