#!/usr/bin/env bash
# Runs the Go benchmarks on SQLite and PostgreSQL (a throwaway cluster unless
# CANOPY_TEST_POSTGRES is set). Arguments go to `go test` after the defaults,
# e.g. scripts/bench.sh -bench Tree100k ./sqlstore
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
go test -run '^$' -bench "${BENCH:-.}" -benchmem -timeout 60m "${@:-./...}"
