# Sourced by test.sh and bench.sh: unless CANOPY_TEST_POSTGRES is set, start a
# throwaway PostgreSQL cluster (as the postgres user when run as root), export
# CANOPY_TEST_POSTGRES for it, and remove it when the calling script exits.
pgdir=""
canopy_pg_cleanup() {
  if [ -n "$pgdir" ] && [ -d "$pgdir" ]; then
    canopy_as_pg pg_ctl -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  fi
}
trap canopy_pg_cleanup EXIT

canopy_as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

canopy_find_pg_bin() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  return 1
}

if [ -z "${CANOPY_TEST_POSTGRES:-}" ]; then
  if bindir=$(canopy_find_pg_bin); then
    export PATH="$bindir:$PATH"
    pgdir=$(mktemp -d /tmp/canopy-pg.XXXXXX)
    chmod 755 "$pgdir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$pgdir"; fi
    port=$(( 20000 + RANDOM % 20000 ))
    canopy_as_pg initdb -D "$pgdir/data" -U postgres -A trust --no-sync -E UTF8 >"$pgdir/initdb.log" 2>&1 \
      || { cat "$pgdir/initdb.log"; exit 1; }
    canopy_as_pg pg_ctl -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
      -o "-p $port -k $pgdir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${CANOPY_PG_OPTS:-}" start >/dev/null \
      || { cat "$pgdir/server.log"; exit 1; }
    canopy_as_pg psql -h "$pgdir" -p "$port" -U postgres -qc "CREATE DATABASE canopy_test" >/dev/null
    export CANOPY_TEST_POSTGRES="postgres://postgres@/canopy_test?host=$pgdir&port=$port&sslmode=disable"
    echo "started a throwaway PostgreSQL in $pgdir (port $port)"
  elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL (initdb, pg_ctl) not found; under CI the PostgreSQL tests must run" >&2
    exit 1
  else
    echo "PostgreSQL not found; PostgreSQL tests will be skipped" >&2
  fi
fi
