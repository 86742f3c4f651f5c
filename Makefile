# Everyday targets. The README's two commands need none of this.
.PHONY: run test lint bench bench-http

run: ## run Canopy with the demo sites on *.localhost:8000
	go run ./cmd/canopy serve --demo

test: ## the whole test suite, SQLite and a throwaway PostgreSQL (what CI runs)
	./scripts/test.sh

lint: ## gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

bench: ## Go benchmarks on both databases
	./scripts/bench.sh

bench-http: ## delivery over HTTP with wrk, beside nginx and a bare Go handler
	./scripts/bench-http.sh
