#!/usr/bin/env bash
# Runs Canopy's whole test suite on SQLite and PostgreSQL.
# Without CANOPY_TEST_POSTGRES it starts a throwaway PostgreSQL cluster in a
# temporary directory (initdb/pg_ctl, as the postgres user when run as root)
# and removes it afterwards. Extra arguments go to `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."

pgdir=""
cleanup() {
  if [ -n "$pgdir" ] && [ -d "$pgdir" ]; then
    as_pg pg_ctl -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  fi
}
trap cleanup EXIT

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

find_pg_bin() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  return 1
}

if [ -z "${CANOPY_TEST_POSTGRES:-}" ]; then
  if bindir=$(find_pg_bin); then
    export PATH="$bindir:$PATH"
    pgdir=$(mktemp -d /tmp/canopy-pg.XXXXXX)
    chmod 755 "$pgdir"
    [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
    port=$(( 20000 + RANDOM % 20000 ))
    as_pg initdb -D "$pgdir/data" -U postgres -A trust --no-sync -E UTF8 >"$pgdir/initdb.log" 2>&1 \
      || { cat "$pgdir/initdb.log"; exit 1; }
    as_pg pg_ctl -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
      -o "-p $port -k $pgdir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
      || { cat "$pgdir/server.log"; exit 1; }
    as_pg psql -h "$pgdir" -p "$port" -U postgres -qc "CREATE DATABASE canopy_test" >/dev/null
    export CANOPY_TEST_POSTGRES="postgres://postgres@/canopy_test?host=$pgdir&port=$port&sslmode=disable"
    echo "test.sh: started a throwaway PostgreSQL in $pgdir (port $port)"
  elif [ "${CI:-}" = "true" ]; then
    echo "test.sh: PostgreSQL (initdb, pg_ctl) not found; under CI the PostgreSQL tests must run" >&2
    exit 1
  else
    echo "test.sh: PostgreSQL not found; PostgreSQL tests will be skipped" >&2
  fi
fi

go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
CGO_ENABLED=0 go build -o /dev/null ./cmd/canopy
go test -count=1 -timeout 30m "${@:-./...}"
