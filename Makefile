# The two commands that matter: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: demo test lint lint-openapi typecheck services unit bench badinput clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

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

bench: $(STAMP)
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf var test-output .pytest_cache .mypy_cache .ruff_cache
