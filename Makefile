# tdswire's build entry points. `make test` is the one command that runs
# every test of both modules: the library (this directory) and the nested
# examples module (examples/, with the real-peer interop tests), which
# `go test ./...` here does not enter.

GO ?= go
TESTFLAGS ?= -timeout 10m

.PHONY: test test-lib test-examples race vet fmt-check fuzz-smoke example ci

test: test-lib test-examples

test-lib:
	$(GO) test $(TESTFLAGS) ./...

# examples/run-tests vets and tests the examples module; under CI=true it
# sets TDSWIRE_REQUIRE_PEERS=1 so that a missing peer fails.
test-examples:
	examples/run-tests

race:
	$(GO) test -race $(TESTFLAGS) ./...
	examples/run-tests -race

vet:
	$(GO) vet ./...
	cd examples && $(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Runs every Fuzz target of both modules for FUZZTIME each: a smoke test
# (seconds), not a fuzzing campaign. See .ci/fuzz-smoke.
FUZZTIME ?= 5s
fuzz-smoke:
	FUZZTIME=$(FUZZTIME) .ci/fuzz-smoke

# The first thing to run: the example server and client, logging in over
# loopback (SQL authentication with login-only TLS, then NTLM over TLS).
example:
	examples/run-example

ci: fmt-check vet test race fuzz-smoke
