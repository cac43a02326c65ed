# Laurel's build, test and lint commands. `make test` is what CI runs.
GO ?= go

.PHONY: all build run test setup lint fmt

all: build

build:
	$(GO) build -o bin/laurel ./cmd/laurel

run:
	$(GO) run ./cmd/laurel serve

# setup installs what the tests need on a fresh Debian machine (Chromium,
# PostgreSQL server binaries); it does nothing when they are present.
setup:
	bash scripts/test-setup.sh

test: setup
	$(GO) test -race -timeout 15m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

fmt:
	gofmt -w $$(git ls-files '*.go')
