# Sourced by the bench scripts: run the gateway and load certificates into it through the admin API.
# Needs ROOT (the project directory), DATA (a scratch directory), ADMIN_PORT and KEY set by the caller.

# The JVM the README's commands get here: Java 25 where it is installed (unless JAVA_HOME says otherwise).
if [ -z "${JAVA_HOME:-}" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export PATH=${JAVA_HOME:+$JAVA_HOME/bin:}$PATH

# gateway HTTPS_PORT HTTP_PORT: starts the README's first command (gateway-webapp/target/gateway, the launcher)
# in the background on DATA; its pid in GW. GATEWAY_JAVA_OPTS replaces the launcher's JVM defaults (none by
# default: what a user gets); GATEWAY_* settings reach the gateway as they are.
gateway() {
  "$ROOT/gateway-webapp/target/gateway" --data-dir "$DATA/data" --encryption-key-file "$DATA/key" --admin-key "$KEY" \
    --https-host 127.0.0.1 --https-port "$1" --http-host 127.0.0.1 --http-port "$2" --admin-port "$ADMIN_PORT" &
  GW=$!
}

# load_certificates CERTDIR UP_PORT: waits for the admin API (at ADMIN_URL, default 127.0.0.1:ADMIN_PORT), then
# PUTs a route /* to 127.0.0.1:UP_PORT and one SSL object (inline PEM) per host of CERTDIR/hosts.txt (the layout
# of ../shared/bench/gen-certs.sh).
load_certificates() {
  local certdir=$1 up_port=$2 host i=0
  ADMIN_URL=${ADMIN_URL:-http://127.0.0.1:$ADMIN_PORT/apisix/admin}
  for _ in $(seq 1 600); do curl -s -o /dev/null -f -H "X-API-KEY: $KEY" "$ADMIN_URL/routes" && break; sleep 0.2; done
  admin routes/all "{\"uri\":\"/*\",\"upstream\":{\"nodes\":{\"127.0.0.1:$up_port\":1},\"type\":\"roundrobin\"}}"
  while read -r host; do
    [ -n "$host" ] || continue
    i=$((i + 1))
    admin "ssls/$i" "{\"sni\":\"$host\",\"cert\":\"$(json "$certdir/certs/$host.crt")\",\"key\":\"$(json "$certdir/certs/$host.key")\"}"
  done < "$certdir/hosts.txt"
  LOADED=$i
}

admin() { curl -sS -f -o /dev/null -H "X-API-KEY: $KEY" -X PUT "$ADMIN_URL/$1" -d "$2"; }
json() { awk 'BEGIN { ORS="" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print $0 "\\n" }' "$1"; }
