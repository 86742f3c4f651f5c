#!/usr/bin/env bash
# Runs Canopy's whole test suite on SQLite and PostgreSQL. Without
# CANOPY_TEST_POSTGRES it starts a throwaway PostgreSQL cluster and removes it
# afterwards (scripts/pg.sh); it installs Chromium and the admin UI's npm
# packages for the browser tests (scripts/browser.sh) and checks that the
# committed admin bundle matches package-lock.json. Arguments go to `go test` (default ./...).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
. scripts/browser.sh

go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
# staticcheck, pinned; fetched through the Go module proxy on first use.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
CGO_ENABLED=0 go build -o /dev/null ./cmd/canopy
# The committed admin bundle must be what the lockfile's packages build.
if [ -d adminui/assets/node_modules ]; then
  go run ./internal/assetbuild -check
fi
go test -count=1 -timeout 30m "${@:-./...}"
