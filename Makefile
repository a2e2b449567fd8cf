# buylink — every command a developer or CI needs. `make dev` and `make test`
# do their own set-up (the deps step installs only what is missing).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
# Every module of the workspace (go.work), as directories.
MODULES := $(shell $(GO) list -m -f '{{.Dir}}')
GOLANGCI_VERSION := v2.6.2
TEST_FLAGS ?= -race -count=1 -timeout 20m
BENCH_FLAGS ?= -run '^$$' -bench . -benchmem -count=1

# Fuzz targets run briefly by `make test` (package directory:target), each for
# FUZZ_TIME; keep their total under a minute.
FUZZ_TIME ?= 10s
FUZZ_TARGETS := services/caption-parser/rules:FuzzParse services/caption-parser/llmparse:FuzzValidate

.PHONY: dev test test-short lint bench tidy build deps fmt help fuzz

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

deps: ## install what is missing (apt packages, npm test servers); idempotent
	@scripts/deps.sh

dev: deps ## run the whole platform in one process on :8080 with a demo seller
	$(GO) run ./services/devstack/cmd/devstack

test: deps fuzz ## run every test of every module (what CI runs)
	@for m in $(MODULES); do echo "== go test $${m#$(CURDIR)/}"; (cd $$m && $(GO) test $(TEST_FLAGS) ./...); done

fuzz: ## run each fuzz target in FUZZ_TARGETS for FUZZ_TIME (new crashers land in the package's testdata/fuzz)
	@for t in $(FUZZ_TARGETS); do d=$${t%%:*}; f=$${t##*:}; echo "== go test -fuzz $$f $$d ($(FUZZ_TIME))"; (cd $$d && $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZ_TIME) .); done

test-short: ## unit tests only, no set-up, no race detector
	@for m in $(MODULES); do (cd $$m && $(GO) test -short ./...); done

bench: deps ## run every benchmark (speed and memory targets)
	@for m in $(MODULES); do echo "== go test -bench $${m#$(CURDIR)/}"; (cd $$m && $(GO) test $(BENCH_FLAGS) ./...); done

fmt: ## gofmt every Go file
	gofmt -w $(MODULES)

lint: ## gofmt, go vet and golangci-lint on every module
	@test -z "$$(gofmt -l $(MODULES))" || { gofmt -l $(MODULES); echo "gofmt would change the files above"; exit 1; }
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done
	@test -x bin/golangci-lint || GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	@for m in $(MODULES); do (cd $$m && $(CURDIR)/bin/golangci-lint run ./...); done

tidy: ## go mod tidy in every module
	@for m in $(MODULES); do (cd $$m && $(GO) mod tidy); done

build: ## build every module on its own (GOWORK=off), as Pulumi and Docker do
	@for m in $(MODULES); do echo "== build $${m#$(CURDIR)/}"; (cd $$m && GOWORK=off $(GO) build ./...); done
