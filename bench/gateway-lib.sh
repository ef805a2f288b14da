# Sourced by the bench scripts: run gateway.jar and load certificates into it through the admin API.
# Needs ROOT (the project directory), DATA (a scratch directory), ADMIN_PORT and KEY set by the caller.

# gateway HTTPS_PORT HTTP_PORT: starts gateway.jar in the background on DATA; its pid in GW.
# GATEWAY_JAVA_OPTS: JVM options (default -Xms512m -Xmx512m); GATEWAY_* settings reach the jar as they are.
gateway() {
  java ${GATEWAY_JAVA_OPTS:--Xms512m -Xmx512m} -jar "$ROOT/gateway-webapp/target/gateway.jar" --data-dir "$DATA/data" \
    --encryption-key-file "$DATA/key" --admin-key "$KEY" --https-host 127.0.0.1 --https-port "$1" \
    --http-host 127.0.0.1 --http-port "$2" --admin-port "$ADMIN_PORT" &
  GW=$!
}

# load_certificates CERTDIR UP_PORT: waits for the admin API, then PUTs a route /* to 127.0.0.1:UP_PORT and one
# SSL object (inline PEM) per host of CERTDIR/hosts.txt (the layout of ../shared/bench/gen-certs.sh).
load_certificates() {
  local certdir=$1 up_port=$2 host i=0
  for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$ADMIN_PORT/apisix/admin/routes" && break; sleep 0.2; done
  admin routes/all "{\"uri\":\"/*\",\"upstream\":{\"nodes\":{\"127.0.0.1:$up_port\":1},\"type\":\"roundrobin\"}}"
  while read -r host; do
    [ -n "$host" ] || continue
    i=$((i + 1))
    admin "ssls/$i" "{\"sni\":\"$host\",\"cert\":\"$(json "$certdir/certs/$host.crt")\",\"key\":\"$(json "$certdir/certs/$host.key")\"}"
  done < "$certdir/hosts.txt"
  LOADED=$i
}

admin() { curl -sS -f -o /dev/null -H "X-API-KEY: $KEY" -X PUT "http://127.0.0.1:$ADMIN_PORT/apisix/admin/$1" -d "$2"; }
json() { awk 'BEGIN { ORS="" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print $0 "\\n" }' "$1"; }
