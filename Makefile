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

# Fuzz targets run briefly by `make test` (package directory:target:executions),
# about 5-10 s each here; their seed corpora also run in every plain `go test`.
# The budgets are execution counts, not durations: Go 1.26's coordinator can
# fail a duration-bounded run with a bare "context deadline exceeded" when a
# busy worker is still mid-call at the deadline (golang/go#75804, fixed in
# Go 1.27). FUZZ_TIME, when set (`make fuzz FUZZ_TIME=10m`), replaces every
# budget for a longer run. FUZZ_MINIMIZE_TIME bounds the minimisation of each
# new input (Go's default, 60s, would outlast the run on slow targets).
FUZZ_TIME ?=
FUZZ_MINIMIZE_TIME ?= 2s
FUZZ_TARGETS := services/caption-parser/rules:FuzzParse:120000x services/caption-parser/llmparse:FuzzValidate:60000x \
	services/auto-tagger/rules:FuzzRuleTagger:120000x services/auto-tagger/tagging:FuzzFinalize:150000x \
	pkg/urlpolicy:FuzzCheckURL:200000x services/thumbnail-generator/internal/frames:FuzzOpen:15000x
# Packages holding our own C code: `make test` also builds and runs their
# tests with AddressSanitizer (gcc -fsanitize=address through go test -asan).
ASAN_PACKAGES := services/thumbnail-generator/internal/frames

.PHONY: dev test test-short lint bench eval tidy tidy-check build deps fmt help fuzz asan plan plan-update preview deploy destroy diagram build-lambdas readme

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

deps: ## install what is missing (apt packages, npm test servers); idempotent
	@scripts/deps.sh

dev: deps ## run the whole platform in one process on :8080 with a demo seller
	$(GO) run ./services/devstack/cmd/devstack

test: deps tidy-check fuzz asan ## run every test of every module (what CI runs)
	@for m in $(MODULES); do echo "== go test $${m#$(CURDIR)/}"; (cd $$m && $(GO) test $(TEST_FLAGS) ./...); done

fuzz: ## run each fuzz target in FUZZ_TARGETS for its execution budget (or FUZZ_TIME) (new crashers land in the package's testdata/fuzz)
	@for t in $(FUZZ_TARGETS); do IFS=: read -r d f n <<<"$$t"; $(if $(FUZZ_TIME),n=$(FUZZ_TIME); ,)echo "== go test -fuzz $$f $$d ($$n)"; (cd $$d && $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $$n -fuzzminimizetime $(FUZZ_MINIMIZE_TIME) .); done

asan: ## build the packages holding our C code with AddressSanitizer and run their tests
	@for d in $(ASAN_PACKAGES); do echo "== go test -asan $$d"; (cd $$d && CC=gcc $(GO) test -asan -count=1 -timeout 20m .); done

test-short: ## unit tests only, no set-up, no race detector
	@for m in $(MODULES); do (cd $$m && $(GO) test -short ./...); done

bench: deps ## run every benchmark (speed and memory targets)
	@for m in $(MODULES); do echo "== go test -bench $${m#$(CURDIR)/}"; (cd $$m && $(GO) test $(BENCH_FLAGS) ./...); done

# Real corpora for make eval: not part of the repository (a clone has none).
EVAL_CORPORA ?= $(CURDIR)/../shared/fixtures/captions
EVAL_FLAGS ?=

eval: ## score the caption parser and the tagger on the real corpora in EVAL_CORPORA (../shared/fixtures/captions) when it is there; EVAL_FLAGS="-parser llm" for the LLM
	@if [ ! -d "$(EVAL_CORPORA)" ]; then echo "make eval: no corpora at $(EVAL_CORPORA), nothing to score (the real captions are not part of the repository: see services/caption-parser/README.md)"; exit 0; fi; \
	(cd services/caption-parser && $(GO) run ./cmd/evalcaptions $(EVAL_FLAGS) $(EVAL_CORPORA)/*.jsonl); \
	if [ -f "$(EVAL_CORPORA)/real-commerce.jsonl" ]; then echo "== auto-tagger on the labeled products of real-commerce.jsonl"; \
		(cd services/auto-tagger && $(GO) run ./cmd/evaltags -real $(EVAL_CORPORA)/real-commerce.jsonl -real-labels testdata/real-categories.jsonl); fi

fmt: ## gofmt every Go file
	gofmt -w $(MODULES)

lint: ## gofmt, go vet and golangci-lint on every module
	@test -z "$$(gofmt -l $(MODULES))" || { gofmt -l $(MODULES); echo "gofmt would change the files above"; exit 1; }
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done
	@test -x bin/golangci-lint || GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	@for m in $(MODULES); do (cd $$m && $(CURDIR)/bin/golangci-lint run ./...); done

readme: ## regenerate the README's tables from the declarations in pkg/deploy
	@cd pkg && $(GO) test -count=1 -run '^TestReadmeTables$$' ./deploy -args -update

tidy-check: ## fail when a module's go.mod or go.sum is not tidy (GOWORK=off builds need them tidy)
	@for m in $(MODULES); do (cd $$m && $(GO) mod tidy -diff >/dev/null) || { echo "$${m#$(CURDIR)/}: go.mod/go.sum not tidy: run make tidy"; exit 1; }; done

tidy: ## go mod tidy in every module
	@for m in $(MODULES); do (cd $$m && $(GO) mod tidy); done

build: ## build every module on its own (GOWORK=off), as Pulumi and Docker do
	@for m in $(MODULES); do echo "== build $${m#$(CURDIR)/}"; (cd $$m && GOWORK=off $(GO) build ./...); done

# ---- Infrastructure (Pulumi program in stacks/, components in platform/) ----
STACKS := dev staging prod
STACK ?=
PULUMI ?= pulumi
# need-stack: STACK names a committed stack.
define need-stack
	@test -n "$(STACK)" || { echo "STACK is required: make $@ STACK=<$(subst $(eval) ,|,$(STACKS))>"; exit 2; }
	@test -f Pulumi.$(STACK).yaml || { echo "no Pulumi.$(STACK).yaml: STACK must be one of $(STACKS)"; exit 2; }
endef

# need-cloud: the Pulumi CLI, a login, the stack and AWS credentials.
define need-cloud
	$(need-stack)
	@command -v $(PULUMI) >/dev/null 2>&1 || { echo "the Pulumi CLI is missing: install it (curl -fsSL https://get.pulumi.com | sh) and log in (pulumi login)"; exit 2; }
	@$(PULUMI) whoami >/dev/null 2>&1 || { echo "the Pulumi CLI is not logged in: run pulumi login (Pulumi Cloud), or pulumi login s3://<bucket> / --local for a self-managed backend"; exit 2; }
	@[ -n "$${AWS_ACCESS_KEY_ID:-}$${AWS_PROFILE:-}$${AWS_WEB_IDENTITY_TOKEN_FILE:-}$${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}$${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ] \
		|| [ -f "$${AWS_SHARED_CREDENTIALS_FILE:-$${HOME}/.aws/credentials}" ] || [ -f "$${AWS_CONFIG_FILE:-$${HOME}/.aws/config}" ] \
		|| { echo "no AWS credentials: set AWS_PROFILE (after aws configure or aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"; exit 2; }
	@$(PULUMI) stack select $(STACK) >/dev/null 2>&1 || { echo "no Pulumi stack $(STACK) in this backend: create it with pulumi stack init $(STACK) (README, Infrastructure)"; exit 2; }
endef

# need-docker: awsx builds and pushes the service images with Docker.
define need-docker
	@command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 || { echo "Docker is missing or not running: the service images are built and pushed with it (install Docker Engine with buildx)"; exit 2; }
endef

plan: ## offline plan of STACK under mocks, summarised per resource against stacks/testdata/plan-STACK.json; CHECK=1 (CI): every stack unless STACK, non-zero on any change
	@stacks="$(STACK)"; \
	if [ -z "$$stacks" ]; then [ -n "$(CHECK)" ] || { echo "STACK is required: make plan STACK=<$(subst $(eval) ,|,$(STACKS))> (or CHECK=1 for every stack)"; exit 2; }; stacks="$(STACKS)"; fi; \
	mkdir -p bin/plan; status=0; \
	for s in $$stacks; do \
		test -f Pulumi.$$s.yaml || { echo "no Pulumi.$$s.yaml: STACK must be one of $(STACKS)"; exit 2; }; \
		(cd stacks && $(GO) run . plan -stack $$s -out $(CURDIR)/bin/plan/plan-$$s.json -against testdata/plan-$$s.json \
			$(if $(CHECK),-check) $${GITHUB_STEP_SUMMARY:+-markdown "$$GITHUB_STEP_SUMMARY"}) || status=1; \
	done; \
	[ $$status -eq 0 ] || echo "make plan: review the changes above (full diff: diff -u stacks/testdata/plan-<stack>.json bin/plan/plan-<stack>.json), then make plan-update"; \
	exit $$status

plan-update: ## rewrite the committed plan snapshots of every stack
	@cd stacks && $(GO) test -count=1 -run '^TestPlanSnapshots$$' . -args -update
	@git --no-pager diff --stat -- stacks/testdata 2>/dev/null || true

diagram: ## the resource graph of STACK as SVG (bin/plan/graph-STACK.svg; needs Graphviz)
	$(need-stack)
	@mkdir -p bin/plan
	@cd stacks && $(GO) run . diagram -stack $(STACK) -out $(CURDIR)/bin/plan/graph-$(STACK).dot
	@command -v dot >/dev/null 2>&1 || { echo "Graphviz is missing: apt-get install graphviz (the graph is in bin/plan/graph-$(STACK).dot)"; exit 2; }
	dot -Tsvg -o bin/plan/graph-$(STACK).svg bin/plan/graph-$(STACK).dot
	@echo "diagram: bin/plan/graph-$(STACK).svg"

build-lambdas: ## build the Lambda bootstraps pkg/deploy declares (linux/arm64, static) into bin/lambda/<name>/bootstrap
	@mkdir -p bin && $(GO) run ./pkg/deploy/cmd/deployables lambdas > bin/lambdas.txt
	@while read -r name pkg; do mod=$${pkg%%/cmd/*}; \
		echo "build-lambdas: $$name <- $$pkg"; mkdir -p bin/lambda/$$name; \
		(cd $$mod && GOWORK=off GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags='-s -w' \
			-o $(CURDIR)/bin/lambda/$$name/bootstrap ./$${pkg#$$mod/}) || exit 1; \
	done < bin/lambdas.txt

preview: ## pulumi preview of STACK (Pulumi CLI, AWS credentials, Docker)
	$(need-cloud)
	$(need-docker)
	@$(MAKE) --no-print-directory build-lambdas
	$(PULUMI) preview --stack $(STACK) --diff

deploy: ## pulumi up of STACK (Pulumi CLI, AWS credentials, Docker)
	$(need-cloud)
	$(need-docker)
	@$(MAKE) --no-print-directory build-lambdas
	$(PULUMI) up --stack $(STACK)

destroy: ## pulumi destroy of STACK (Pulumi CLI, AWS credentials)
	$(need-cloud)
	$(PULUMI) destroy --stack $(STACK)
