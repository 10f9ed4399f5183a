# The project's entry points. `make test` is what CI runs (.ci/run); `make demo` is the quick start.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE_MODULES := node_modules/.package-lock.json

# Every target but help and clean runs on the project's Node.js (tools/node/versions.sh: 24 LTS),
# installed into the cache on first use, whatever node this machine has, or none: its bin dir goes
# first on PATH, for the recipes and the scripts they start.
ifneq ($(filter-out help clean,$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
NODE_BIN := $(shell bash tools/node/install.sh)
ifneq ($(.SHELLSTATUS),0)
$(error tools/node/install.sh failed (its messages are above))
endif
export PATH := $(NODE_BIN):$(PATH)
endif

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: deps
deps: $(NODE_MODULES) ## Install npm packages from the lockfile.

.PHONY: controlplane
controlplane: ## Build (or reuse from the cache) kube-apiserver, etcd, kubectl and helm.
	@bash tools/controlplane/build.sh >/dev/null

.PHONY: build
build: deps ## Compile TypeScript to dist/.
	npm run build

.PHONY: lint
lint: deps ## ESLint, type-aware (the generated CRDs and docs/api.md are checked for staleness by the unit tests).
	npm run lint

.PHONY: typecheck
typecheck: deps ## Type-check src/, test/ and bench/.
	npm run typecheck

.PHONY: test
test: deps lint typecheck build controlplane ## Everything CI runs: lint, type-check, build, unit, integration and e2e tests.
	ONTAP_KMS_CONTROLPLANE_BIN=$$(bash tools/controlplane/build.sh) npm test

.PHONY: image
image: ## Build the operator image (docker, podman or buildah; NODE_IMAGE=... overrides the base).
	@bash hack/build-image.sh

# VERSION of a release: make release VERSION=0.1.0 (semantic version).
.PHONY: release
release: deps controlplane ## Release artefacts in dist/release/VERSION/: chart, image archive and digest, install manifest, SBOM, SHA256SUMS (buildah, root).
	@if [[ -z "$(VERSION)" ]]; then echo 'make release needs VERSION=x.y.z, e.g. make release VERSION=0.1.0' >&2; exit 2; fi
	ONTAP_KMS_CONTROLPLANE_BIN=$$(bash tools/controlplane/build.sh) bash hack/release.sh $(VERSION)

.PHONY: test-unit
test-unit: deps ## Unit tests only (no control plane needed).
	npm run test:unit

.PHONY: gen
gen: deps ## Regenerate crds/, the chart's CRDs, docs/api.md, what the kinds table (src/api/v1alpha1/kinds.ts) derives and deploy/.
	npm run gen:crds

.PHONY: bench
bench: deps ## Benchmarks (speed and memory), reported, not asserted.
	npm run bench

.PHONY: bench-scale
bench-scale: deps build controlplane ## The scale benchmark (N=1000 on 10 clusters; set ARGS="--resources 10000 --clusters 1000 --secrets 50000 --cold-start --failover").
	ONTAP_KMS_CONTROLPLANE_BIN=$$(bash tools/controlplane/build.sh) npx tsx bench/scale.ts $(ARGS)

# DURATION of the soak (90s, 5m, 1h, 1h30m); ARGS adds flags of bench/soak.ts, e.g. ARGS="--out /tmp/soak".
DURATION ?= 60m

.PHONY: soak
soak: deps build controlplane ## The soak benchmark: operator memory over DURATION (default 60m) of faults, rotations and drift; not in make test.
	ONTAP_KMS_CONTROLPLANE_BIN=$$(bash tools/controlplane/build.sh) npx tsx bench/soak.ts --duration $(DURATION) $(ARGS)

.PHONY: demo
demo: deps build controlplane ## Run the operator against a local control plane and ontap-sim, narrated.
	ONTAP_KMS_CONTROLPLANE_BIN=$$(bash tools/controlplane/build.sh) npx tsx src/demo/main.ts

.PHONY: clean
clean: ## Remove build output (not the control-plane cache).
	rm -rf dist
