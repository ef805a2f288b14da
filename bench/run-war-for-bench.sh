#!/usr/bin/env bash
# Runs gateway.war in a stock jetty-home (README, "Run on stock Jetty": the built jetty-base, java -jar start.jar)
# in the foreground for ../shared/bench/run-anchors.sh (its CUSTOM_CMD, with TARGET=war):
#   run-war-for-bench.sh TLS_PORT HTTP_PORT UP_PORT CERTDIR
# Copies jetty-base/target/jetty-base to a scratch directory, starts Jetty on the harness's ports (plain HTTP on
# HTTP_PORT, HTTPS on TLS_PORT), and loads every certificate of CERTDIR/hosts.txt as an SSL object and a route /*
# through the WAR's admin API, which shares the vault-sni module's registry with the HTTPS connector. The harness
# waits for HTTPS to answer, so its checks follow the loading. SIGTERM stops Jetty.
# JETTY_HOME: an unpacked jetty-home 12.1.5 (default: the one `mvn verify -pl jetty-base -am` leaves in
# jetty-base/target); JETTY_JAVA_OPTS: JVM options (default none, as the README's command).
set -euo pipefail
TLS_PORT=$1; HTTP_PORT=$2; UP_PORT=$3; CERTDIR=$4
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KEY=bench-admin-key
DATA=$(mktemp -d)
. "$ROOT/bench/gateway-lib.sh"
JETTY_HOME=${JETTY_HOME:-$ROOT/jetty-base/target/jetty-home-12.1.5}
[ -f "$JETTY_HOME/start.jar" ] || { echo "no jetty-home at $JETTY_HOME (mvn -B -ntp verify -pl jetty-base -am)" >&2; exit 2; }
cp -r "$ROOT/jetty-base/target/jetty-base" "$DATA/base"
JETTY=
trap '[ -z "$JETTY" ] || { kill "$JETTY" 2>/dev/null; wait "$JETTY" 2>/dev/null; }; rm -rf "$DATA"' EXIT
trap 'exit 0' TERM INT

# shellcheck disable=SC2086
(cd "$DATA/base" && exec java ${JETTY_JAVA_OPTS:-} -Dgateway.adminKey="$KEY" -jar "$JETTY_HOME/start.jar" \
  jetty.home="$JETTY_HOME" jetty.base="$DATA/base" jetty.http.host=127.0.0.1 jetty.http.port="$HTTP_PORT" \
  jetty.ssl.host=127.0.0.1 jetty.ssl.port="$TLS_PORT") &
JETTY=$!
ADMIN_URL=http://127.0.0.1:$HTTP_PORT/apisix/admin
load_certificates "$CERTDIR" "$UP_PORT"
echo "gateway.war loaded $LOADED certificates" >&2
wait "$JETTY"
