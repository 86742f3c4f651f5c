#!/usr/bin/env bash
# HTTP benchmark: canopy serving a published demo page (from its cache, and with
# the cache off) beside nginx serving the same bytes as a static file, measured
# with wrk in one run on this machine. Installs wrk and nginx from Debian if
# missing. Usage: scripts/bench-http.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${CONNS:-64}
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

CGO_ENABLED=0 go build -o "$work/canopy" ./cmd/canopy
CGO_ENABLED=0 go build -o "$work/barehttp" ./internal/barehttp
"$work/canopy" serve --demo --data "$work/data" --addr 127.0.0.1:18080 >"$work/demo.out" 2>"$work/canopy.log" &
pids+=($!)
CANOPY_CACHE_ENTRIES=0 "$work/canopy" serve --data "$work/data" --addr 127.0.0.1:18081 >/dev/null 2>"$work/canopy-nocache.log" &
pids+=($!)
for port in 18080 18081; do
  for _ in $(seq 100); do curl -sf -o /dev/null -H 'Host: alpha.localhost' "http://127.0.0.1:$port/events/" && break; sleep 0.1; done
done
page=/events/
curl -sf -H 'Host: alpha.localhost' "http://127.0.0.1:18080$page" >"$work/page.html"
mkdir -p "$work/www/events"; cp "$work/page.html" "$work/www/events/index.html"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  types { text/html html; }
  server { listen 127.0.0.1:18082; root $work/www; }
}
CONF
"$NGINX" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
pids+=($!)
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:18082$page" && break; sleep 0.1; done
"$work/barehttp" 127.0.0.1:18083 "$work/page.html" &
pids+=($!)
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:18083$page" && break; sleep 0.1; done

bytes=$(wc -c <"$work/page.html")
run() { # name url host
  local out rps
  out=$(wrk -t2 -c"$conns" -d"${secs}s" -H "Host: $3" "$2" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  printf '%-28s %10.0f req/s  (%s)\n' "$1" "$rps" "$(echo "$out" | awk '/Latency/ {print "latency avg " $2 ", max " $4}')" >&2
  echo "$rps"
}
echo "page: http://alpha.localhost$page, $bytes bytes; wrk -t2 -c$conns -d${secs}s; $(nproc) cores" >&2
nginx_rps=$(run "nginx static file" "http://127.0.0.1:18082$page" localhost)
bare_rps=$(run "bare Go handler, same bytes" "http://127.0.0.1:18083$page" localhost)
cached_rps=$(run "canopy, page cache" "http://127.0.0.1:18080$page" alpha.localhost)
nocache_rps=$(run "canopy, cache off" "http://127.0.0.1:18081$page" alpha.localhost)
nginx2_rps=$(run "nginx static file (again)" "http://127.0.0.1:18082$page" localhost)
awk -v n="$nginx_rps" -v n2="$nginx2_rps" -v b="$bare_rps" -v c="$cached_rps" -v u="$nocache_rps" 'BEGIN {
  base = (n + n2) / 2
  printf "nginx mean %.0f req/s; bare Go %.0f (%.0f%% of nginx); canopy cached %.0f (%.0f%% of nginx, %.0f%% of bare Go); canopy uncached %.0f (%.1f%% of nginx)\n", base, b, 100*b/base, c, 100*c/base, 100*c/b, u, 100*u/base
}'
