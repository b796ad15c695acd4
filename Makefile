# Two commands are the contract: `make demo` and `make test`. Everything else is a helper.
# Both create (or reuse) a virtualenv with a pinned Airflow and this provider installed.

PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
UV_VERSION := 0.13.9

ifeq ($(AIRFLOW_VERSION),3.3.2)
VENV ?= .venv
else
VENV ?= .venv-airflow-$(AIRFLOW_VERSION)
endif

TOOLS := .tools
UV := $(TOOLS)/bin/uv
CONSTRAINTS := constraints/airflow-$(AIRFLOW_VERSION).txt
STAMP := $(VENV)/.installed-$(AIRFLOW_VERSION)
PYTEST_ARGS ?=

export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy

.PHONY: demo test lint typecheck venv lock clean bench e2e

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(UV)
	@test -f $(CONSTRAINTS) || { echo "No lock for Airflow $(AIRFLOW_VERSION): run 'make lock AIRFLOW_VERSION=$(AIRFLOW_VERSION)'"; exit 2; }
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --python $(VENV)/bin/python -c $(CONSTRAINTS) \
	    "apache-airflow==$(AIRFLOW_VERSION)" -e ".[test]"
	@touch $(STAMP)

venv: $(STAMP)

## The main job: the release gate (example DAG) against the bundled emulator, on an embedded SQLite Airflow.
demo: $(STAMP)
	$(VENV)/bin/python scripts/demo.py

## Every test, on the selected Airflow line (default 3.3.2; e.g. `make test AIRFLOW_VERSION=2.11.2`).
test: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## Benchmarks (benchmarks/README.md): figures and ratios against baselines measured in the same run.
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

## A real deployment: PostgreSQL, api-server, scheduler, dag-processor, triggerer, and the UI in Chromium.
e2e: $(STAMP)
	$(VENV)/bin/python scripts/e2e.py $(E2E_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Regenerate the pinned dependency set of one Airflow line.
lock: | $(UV)
	echo "apache-airflow==$(AIRFLOW_VERSION)" > $(TOOLS)/airflow-pin.in
	$(UV) pip compile --quiet --universal --python-version 3.10 pyproject.toml $(TOOLS)/airflow-pin.in \
	    --extra test -o $(CONSTRAINTS) --no-header

clean:
	rm -rf $(TOOLS) .venv .venv-airflow-* build dist .pytest_cache .mypy_cache .ruff_cache
