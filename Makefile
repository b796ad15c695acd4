# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
# Two commands are the contract: `make demo` and `make test`. Everything else is a helper.
# Both create (or reuse) a virtualenv with a pinned Airflow and this provider installed.

# From any directory (`make -f path/to/Makefile test`): run in the checkout this Makefile belongs to.
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
ifneq ($(abspath $(CURDIR)),$(ROOT))
GOALS := $(or $(MAKECMDGOALS),demo)
.PHONY: $(GOALS)
$(firstword $(GOALS)):
	@$(MAKE) --no-print-directory -C $(ROOT) $(MAKECMDGOALS)
$(wordlist 2,99,$(GOALS)):
	@:
else

PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
UV_VERSION := 0.13.9

# One virtualenv per cell of the support matrix (Airflow line x interpreter). The default cell keeps `.venv`.
PYTHON_TAG := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifeq ($(PYTHON_TAG),)
$(error PYTHON=$(PYTHON) is not a working Python interpreter)
endif
ifeq ($(AIRFLOW_VERSION)-$(PYTHON_TAG),3.3.2-3.11)
VENV ?= .venv
else
VENV ?= .venv-airflow-$(AIRFLOW_VERSION)-py$(PYTHON_TAG)
endif

# `make lock` resolves each line as of a few days after its release (what the line's official constraints
# pinned: an old line with today's libraries breaks inside Airflow itself). Exempt from the cut-off: this
# provider's own compat dependency and the test oracles (the Huawei SDKs, the OBS client, fakeredis: 2.31
# in the 3.0 cut-off closes the connection on this provider's Lua script), released independently of
# Airflow (users of an old line install today's), and asgiref (the compat provider needs a newer one on
# Python 3.14).
LOCK_DATE_2.11.2 := 2026-03-20
LOCK_DATE_3.0.6 := 2025-09-03
LOCK_DATE_3.1.8 := 2026-03-20
LOCK_DATE_3.2.2 := 2026-06-05
LOCK_DATE_3.3.2 := 2026-09-24
LOCK_EXEMPT_DATE := 2026-12-01
LOCK_EXEMPT := apache-airflow-providers-common-compat asgiref esdk-obs-python fakeredis huaweicloudsdkcore huaweicloudsdkdataartsstudio huaweicloudsdkdlf huaweicloudsdkiam

TOOLS := .tools
UV := $(TOOLS)/bin/uv
CONSTRAINTS := constraints/airflow-$(AIRFLOW_VERSION).txt
STAMP := $(VENV)/.installed-$(AIRFLOW_VERSION)
PYTEST_ARGS ?=
# SUITE=compat: the compatibility subset CI runs on the other Airflow lines (provider registration and
# schema, the connection form, the built wheel running release_gate, hook acceptance, operators, sensors
# and triggers in real DAG runs, console links and the example DAGs; the release and job-run workflows'
# suites, marked `workflows`, run in the full cells). SUITE=python: the same without the example DAGs'
# runs, for the extra Python versions of an Airflow line whose full cell runs them (the wheel test still
# runs `airflow dags test`).
# SUITE=full (default): every test.
SUITE ?= full
PYTHON_TESTS := tests/registration tests/hooks tests/operators tests/sensors tests/triggers tests/links
COMPAT_TESTS := $(PYTHON_TESTS) tests/example_dags
ifeq ($(SUITE),compat)
SUITE_ARGS := $(COMPAT_TESTS) -m "not workflows"
else ifeq ($(SUITE),python)
SUITE_ARGS := $(PYTHON_TESTS) -m "not workflows"
else ifeq ($(SUITE),full)
SUITE_ARGS :=
else
$(error SUITE=$(SUITE): use SUITE=full, SUITE=compat or SUITE=python)
endif

export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy

.PHONY: demo test lint typecheck venv lock clean bench e2e package-check docs

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

## Every test, on one cell of the support matrix: `make test AIRFLOW_VERSION=3.1.8 PYTHON=python3.12`
## (default Airflow 3.3.2 on python3; SUITE=compat for the compatibility subset).
test: $(STAMP)
	@echo "Airflow $(AIRFLOW_VERSION), Python $$($(VENV)/bin/python -c 'import sys; print(sys.version.split()[0])') ($(VENV)), suite $(SUITE)"
	$(VENV)/bin/pytest $(PYTEST_ARGS) $(SUITE_ARGS)

## Benchmarks (benchmarks/README.md): figures and ratios against baselines measured in the same run.
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

## A real deployment: PostgreSQL, api-server, scheduler, dag-processor, triggerer, and the UI in Chromium.
## E2E_EXECUTOR=celery: CeleryExecutor on Redis, two workers, two triggerers, a fleet of 330 sensors.
E2E_EXECUTOR ?= local
e2e: $(STAMP)
	$(VENV)/bin/python -m scripts.e2e --executor $(E2E_EXECUTOR) $(E2E_ARGS)

# The documentation site (MkDocs, Material theme, API reference by mkdocstrings) in build/site, built
# strictly: a broken link, anchor or reference fails. Its tools live in their own venv (docs/requirements.txt).
DOCS_VENV := .venv-docs
DOCS_STAMP := $(DOCS_VENV)/.installed
$(DOCS_STAMP): docs/requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(DOCS_VENV)
	$(UV) pip install --quiet --python $(DOCS_VENV)/bin/python -r docs/requirements.txt
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs build --strict --clean --config-file mkdocs.yml
	@echo "site: $(ROOT)/build/site/index.html"

# Build the sdist and wheel and check them as the package index will (twine, check-wheel-contents).
package-check: | $(UV)
	$(PYTHON) scripts/package_check.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Regenerate the pinned dependency set of one Airflow line.
lock: | $(UV)
	@test -n "$(LOCK_DATE_$(AIRFLOW_VERSION))" || { echo "No LOCK_DATE_$(AIRFLOW_VERSION) in the Makefile: add the line's cut-off date"; exit 2; }
	echo "apache-airflow==$(AIRFLOW_VERSION)" > $(TOOLS)/airflow-pin-$(AIRFLOW_VERSION).in
	$(UV) pip compile --quiet --universal --python-version 3.10 pyproject.toml $(TOOLS)/airflow-pin-$(AIRFLOW_VERSION).in \
	    --extra test -o $(CONSTRAINTS) --no-header --exclude-newer $(LOCK_DATE_$(AIRFLOW_VERSION)) \
	    $(foreach p,$(LOCK_EXEMPT),--exclude-newer-package $(p)=$(LOCK_EXEMPT_DATE))

clean:
	rm -rf $(TOOLS) .venv .venv-airflow-* $(DOCS_VENV) build dist .pytest_cache .mypy_cache .ruff_cache
endif
