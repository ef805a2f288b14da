#!/usr/bin/env bash
# Start to serving with many stored SSL objects: loads N certificates (../shared/bench/gen-certs.sh, ECDSA
# P-256 by default) into a scratch data directory once, then starts gateway.jar on it RUNS times and times each
# start until `openssl s_client -servername` for the last host gets that host's certificate. Prints, per start,
# the seconds, the process's CPU seconds, five spot checks across the range, and RSS two seconds later.
#
#   bench/gateway-start-time.sh                     # N=2000 ecdsa-p256, 3 starts
#   N=2000 ALG=rsa2048 RUNS=5 GATEWAY_TLS_PROVIDER=conscrypt bench/gateway-start-time.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_BENCH:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || true)}
[ -x "$SHARED/gen-certs.sh" ] || { echo "set SHARED_BENCH to the directory holding gen-certs.sh" >&2; exit 2; }
N=${N:-2000}; ALG=${ALG:-ecdsa-p256}; RUNS=${RUNS:-3}
CERTDIR=${TMPDIR:-/tmp}/perf/certs/$ALG-$N
ADMIN_PORT=29180; HTTPS_PORT=29443; HTTP_PORT=29080; KEY=bench-admin-key
DATA=$(mktemp -d)
GW=
. "$ROOT/bench/gateway-lib.sh"
trap '[ -z "$GW" ] || { kill "$GW" 2>/dev/null; wait "$GW" 2>/dev/null; }; rm -rf "$DATA"' EXIT
[ -f "$ROOT/gateway-webapp/target/gateway.jar" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package -pl gateway-webapp -am)
"$SHARED/gen-certs.sh" "$N" "$ALG" "$CERTDIR" >&2

gateway "$HTTPS_PORT" "$HTTP_PORT" 2>/dev/null
load_certificates "$CERTDIR" 9
kill "$GW"; wait "$GW" 2>/dev/null || true
last=$(tail -n 1 "$CERTDIR/hosts.txt")
served() { echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$1" 2>/dev/null | grep -q "subject=.*CN *= *$1"; }

for run in $(seq 1 "$RUNS"); do
  t0=$(date +%s%N)
  gateway "$HTTPS_PORT" "$HTTP_PORT" 2>/dev/null
  until served "$last"; do sleep 0.02; done
  t1=$(date +%s%N)
  cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$GW/stat")
  ok=0; total=0
  for i in 1 $((N / 4)) $((N / 2)) $((3 * N / 4)) "$N"; do
    total=$((total + 1)); host=$(sed -n "${i}p" "$CERTDIR/hosts.txt")
    served "$host" && ok=$((ok + 1))
  done
  sleep 2
  rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$GW/status")
  echo "start $run: $LOADED objects served in $(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }') s (CPU $cpu s); spot checks $ok/$total; RSS $rss MB"
  kill "$GW"; wait "$GW" 2>/dev/null || true; GW=
done
