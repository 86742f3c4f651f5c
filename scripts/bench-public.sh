#!/usr/bin/env bash
# Issue 28 benchmark: canopy beside nginx in one run on this machine.
#  1. a cached page asked with Accept-Encoding: gzip — canopy's page cache
#     (compressed once per version) against nginx serving the same gzip bytes
#     with gzip_static;
#  2. HTTPS with the same certificate (given to canopy as files): requests per
#     second on kept-alive connections, and full TLS handshakes per second (a
#     new connection for every request).
# Installs wrk, nginx and openssl from Debian if missing.
# (Full handshakes are counted by internal/handshakes: openssl s_time sends
# no server name, which canopy, serving names, refuses.)
# Usage: scripts/bench-public.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${CONNS:-64}
. scripts/benchtools.sh
bench_tools openssl

work=$(mktemp -d)
pids=()
cleanup() {
  rc=$?
  if [ $rc -ne 0 ]; then for f in "$work"/*.log; do echo "== $f" >&2; tail -n 5 "$f" >&2; done; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# One certificate for both servers; wrk connects to "localhost" (the name it
# sends as SNI) and names the site in the Host header.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,DNS:alpha.localhost -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
printf '[[certificate]]\ncert = "%s"\nkey = "%s"\n' "$work/cert.pem" "$work/key.pem" >"$work/canopy.toml"

CGO_ENABLED=0 go build -o "$work/canopy" ./cmd/canopy
go build -o "$work/handshakes" ./internal/handshakes
CANOPY_HTTPS_ADDR=127.0.0.1:18443 "$work/canopy" serve --demo --https --config "$work/canopy.toml" --data "$work/data" \
  --addr 127.0.0.1:18080 >"$work/demo.out" 2>"$work/canopy.log" &
pids+=($!)
page=/events/
for _ in $(seq 100); do curl -skf -o /dev/null --resolve alpha.localhost:18443:127.0.0.1 "https://alpha.localhost:18443$page" && break; sleep 0.1; done
# The page as canopy sends it, plain and gzip (from its cache), for nginx.
curl -skf --resolve alpha.localhost:18443:127.0.0.1 "https://alpha.localhost:18443$page" >"$work/page.html"
curl -skf --resolve alpha.localhost:18443:127.0.0.1 -H 'Accept-Encoding: gzip' "https://alpha.localhost:18443$page" >"$work/page.html.gz"
gzip -t <"$work/page.html.gz"
mkdir -p "$work/www/events"
cp "$work/page.html" "$work/www/events/index.html"
cp "$work/page.html.gz" "$work/www/events/index.html.gz"
chmod 755 "$work"; chmod -R a+rX "$work/www"; chmod a+r "$work/cert.pem" "$work/key.pem" # nginx's workers read them
cat >"$work/nginx.conf" <<CONF
worker_processes auto; # one per core, as nginx is run in production
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  types { text/html html; }
  gzip_static on;
  gzip_vary on;
  server { listen 127.0.0.1:18082; root $work/www; }
  server {
    listen 127.0.0.1:18444 ssl;
    server_name localhost alpha.localhost;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
  }
}
CONF
"$NGINX" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
pids+=($!)
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:18082$page" && break; sleep 0.1; done
# Both send the same gzip bytes.
curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:18082$page" | cmp - "$work/page.html.gz"
curl -sf -H 'Host: alpha.localhost' -H 'Accept-Encoding: gzip' "http://127.0.0.1:18080$page" -o /dev/null -w '%{http_code}' | grep -q 301 # plain HTTP redirects with --https

run() { # name url host [extra wrk args…]
  local name=$1 url=$2 host=$3 out rps
  shift 3
  out=$(wrk -t2 -c"$conns" -d"${secs}s" -H "Host: $host" "$@" "$url" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  printf '%-40s %10.0f req/s  (%s)\n' "$name" "$rps" "$(echo "$out" | awk '/Latency/ {print "latency avg " $2 ", max " $4}')" >&2
  echo "$rps"
}
echo "page: $page, $(wc -c <"$work/page.html") bytes, gzip $(wc -c <"$work/page.html.gz") bytes; wrk -t2 -c$conns -d${secs}s; $(nproc) cores" >&2
gz=(-H "Accept-Encoding: gzip")
n1=$(run "nginx gzip_static (HTTP)" "http://127.0.0.1:18082$page" localhost "${gz[@]}")
# canopy's plain listener redirects (--https): the cached page over its HTTPS
# listener is measured below; over HTTP a second canopy without --https.
"$work/canopy" serve --data "$work/data" --addr 127.0.0.1:18081 >/dev/null 2>"$work/canopy-http.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null -H 'Host: alpha.localhost' "http://127.0.0.1:18081$page" && break; sleep 0.1; done
c1=$(run "canopy cached page, gzip (HTTP)" "http://127.0.0.1:18081$page" alpha.localhost "${gz[@]}")
n2=$(run "nginx gzip_static (HTTP, again)" "http://127.0.0.1:18082$page" localhost "${gz[@]}")
awk -v n="$n1" -v n2="$n2" -v c="$c1" 'BEGIN { b=(n+n2)/2; printf "gzip: nginx mean %.0f req/s; canopy %.0f = %.2f x nginx\n", b, c, c/b }'

# HTTPS, kept-alive connections.
t1=$(run "nginx HTTPS, keep-alive" "https://localhost:18444$page" alpha.localhost "${gz[@]}")
tc=$(run "canopy HTTPS, keep-alive" "https://localhost:18443$page" alpha.localhost "${gz[@]}")
t2=$(run "nginx HTTPS, keep-alive (again)" "https://localhost:18444$page" alpha.localhost "${gz[@]}")
awk -v n="$t1" -v n2="$t2" -v c="$tc" 'BEGIN { b=(n+n2)/2; printf "https: nginx mean %.0f req/s; canopy %.0f = %.2f x nginx\n", b, c, c/b }'
# A new connection for every request (wrk after Connection: close; both
# servers with their default session resumption).
h1=$(run "nginx new connection per request" "https://localhost:18444$page" alpha.localhost -H "Connection: close" "${gz[@]}")
hc=$(run "canopy new connection per request" "https://localhost:18443$page" alpha.localhost -H "Connection: close" "${gz[@]}")
h2=$(run "nginx new connection (again)" "https://localhost:18444$page" alpha.localhost -H "Connection: close" "${gz[@]}")
awk -v n="$h1" -v n2="$h2" -v c="$hc" 'BEGIN { b=(n+n2)/2; printf "new connections: nginx mean %.0f/s; canopy %.0f/s = %.2f x nginx\n", b, c, c/b }'
# Full handshakes only: internal/handshakes (Go's TLS client, no session
# cache, 16 connections at once, each closed after its handshake).
full() { "$work/handshakes" -addr "127.0.0.1:$1" -name localhost -c 16 -d "${secs}s"; }
f1=$(full 18444); fc=$(full 18443); f2=$(full 18444)
printf '%-40s %10.0f /s\n%-40s %10.0f /s\n%-40s %10.0f /s\n' "nginx full handshakes" "$f1" "canopy full handshakes" "$fc" "nginx full handshakes (again)" "$f2" >&2
awk -v n="$f1" -v n2="$f2" -v c="$fc" 'BEGIN { b=(n+n2)/2; printf "full handshakes: nginx mean %.0f/s; canopy %.0f/s = %.2f x nginx\n", b, c, c/b }'
