#!/usr/bin/env bash
# Scale benchmark (issue 13): on each database, builds a large installation of
# generated sites (default 10,000 sites × 100 pages) and a 10-site one of the
# same pages, serves each with `canopy serve`, and measures both in the same
# run with internal/benchscale: cached and uncached delivery over up to 1,000
# sites, the admin reads (me, children, page, users, history, sites list), the
# next public request right after an edit on another site, and public latency
# under one edit per second; then prints the large installation's figures as
# ratios of the small one's.
#
# Usage: scripts/bench-scale.sh [sites, default 10000] [pages per site, default 100]
#        [databases, default "sqlite postgres"]
# Environment: DURATION (each throughput run, default 10s), CONNS (default 16);
# SCALE_DIR keeps the generated installations there (and their PostgreSQL
# databases, with CANOPY_TEST_POSTGRES) and reuses them on the next run instead
# of generating again (10,000 sites take about 6 minutes on SQLite and 17 on
# PostgreSQL on 2 cores).
# PostgreSQL: a throwaway cluster (scripts/pg.sh) unless CANOPY_TEST_POSTGRES
# names a server whose user may create databases.
set -euo pipefail
cd "$(dirname "$0")/.."
sites=${1:-10000}
pages=${2:-100}
dbs=${3:-sqlite postgres}
duration=${DURATION:-10s}
conns=${CONNS:-16}
if [[ " $dbs " == *" postgres "* ]]; then
  . scripts/pg.sh
fi

work=$(mktemp -d)
data=${SCALE_DIR:-$work}
mkdir -p "$data"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap 'cleanup; declare -F canopy_pg_cleanup >/dev/null && canopy_pg_cleanup' EXIT

CGO_ENABLED=0 go build -o "$work/canopy" ./cmd/canopy
go build -o "$work/benchscale" ./internal/benchscale
# One superuser password for every installation of this data directory.
[ -f "$data/password" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$data/password"
password=$(cat "$data/password")

pg_db() { # name [keep] → database URL on the PostgreSQL of CANOPY_TEST_POSTGRES
  local url=$CANOPY_TEST_POSTGRES
  if [ -z "${2:-}" ]; then
    psql "$url" -qc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1
  fi
  echo "$url" | sed -E "s#/[a-z_0-9]+\?#/$1?#"
}

port=18300
for db in $dbs; do
  urls=()
  for shape in small large; do
    n=$sites
    [ "$shape" = small ] && n=10
    dir="$data/$db-$shape-${n}x$pages"
    mkdir -p "$dir"
    kept=""
    [ -f "$dir/generated" ] && kept=1
    if [ "$db" = postgres ]; then
      dburl=$(pg_db "canopy_scale_${shape}_${n}x$pages" "$kept")
    else
      dburl="sqlite:$dir/canopy.db"
    fi
    if [ -n "$kept" ]; then
      echo "$db $shape: reusing $n sites × $pages pages from $dir" >&2
    else
      start=$(date +%s)
      CANOPY_DATABASE=$dburl "$work/canopy" generate --data "$dir" --sites "$n" --pages-per-site "$pages" >"$dir/generate.out" 2>"$dir/generate.err"
      echo "$db $shape: generated $n sites × $pages pages in $(( $(date +%s) - start ))s" >&2
      printf '%s\n' "$password" | CANOPY_DATABASE=$dburl "$work/canopy" user create --data "$dir" --username bench --superuser --password-stdin >/dev/null
      touch "$dir/generated"
    fi
    port=$((port + 1))
    CANOPY_DATABASE=$dburl "$work/canopy" serve --data "$dir" --addr "127.0.0.1:$port" >"$dir/serve.out" 2>"$dir/serve.log" &
    pids+=($!)
    for _ in $(seq 300); do curl -sf -o /dev/null -H 'Host: gen-1.localhost' "http://127.0.0.1:$port/" && break; sleep 0.2; done
    urls+=("http://127.0.0.1:$port")
  done
  "$work/benchscale" -baseline-url "${urls[0]}" -baseline-sites 10 -url "${urls[1]}" -sites "$sites" \
    -user bench -password "$password" -duration "$duration" -conns "$conns" \
    -label "$db, $sites sites × $pages pages" -out "$work/$db.json"
  echo
  for _ in 1 2; do kill "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; done
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(go version)" >&2
