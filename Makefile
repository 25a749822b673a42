# Aftershock: the two set-up commands are `make demo` and `make test`; both create .venv when needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AFTERSHOCK_DATA_DIR ?= $(CURDIR)/data

.PHONY: venv demo test test-bench lint sql build docs report clean-data help airflow airflow-stop bench bench-quick
# 8080 is Airflow's; the docs site defaults next to it.
DOCS_PORT ?= 8081

help:
	@echo "make demo   - install (first run under a minute), ingest the bundled sample, build, print the impact table"
	@echo "make test   - install, then run the test suite (all but the benchmark harness's smoke test)"
	@echo "make test-bench - the benchmark harness at tiny sizes, as a test (CI runs it after make test)"
	@echo "make lint   - ruff (lint + format check) and sqlfluff on the dbt models"
	@echo "make sql    - DuckDB shell, read-only, on the published warehouse"
	@echo "make build  - dbt build + quality gate + publish on what is in the lake"
	@echo "make docs   - generate the dbt docs site and serve it on http://127.0.0.1:\$$DOCS_PORT (default 8081)"
	@echo "make airflow      - Airflow standalone on http://127.0.0.1:8080 (AIRFLOW_HOME=airflow_home/), login printed"
	@echo "make airflow-stop - stop every process make airflow started"
	@echo "make bench  - benchmarks at full size (long; writes bench/results/latest.json and .md), not part of make test"

venv: $(STAMP)

# uv installs the pinned set (and byte-compiles it, in parallel) in about 28 s where pip took about 95
# on this 2-core machine, a tenth of a fresh clone's `make test`; the versions are the lock's either way.
# pip is the fallback if uv cannot be installed or fails.
UV_VERSION ?= 0.13.9
comma := ,
define install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode $(1) \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check $(1)
endef

# The stamp is stale whenever the pins change, so a pull that moves a pin reinstalls.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call install,-c requirements.lock -e '.[dev]')
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aftershock demo

build: $(STAMP)
	$(BIN)/aftershock build

# Two workers, one test file each at a time (a file's module fixtures stay shared): most tests wait
# on dbt, servers or subprocesses, so two run in little more than the time of one. Files are handed
# out in collection order, longest first (tests/conftest.py): xdist's default reorder by test count
# would leave a long one-test file (the Celery run) to start last, alone.
PYTEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -q --durations=15 -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not bench" $(PYTEST_ARGS)

# The harness smoke test runs every benchmark part at tiny sizes (about eight builds and an Airflow run):
# it guards bench/ rather than the product, so it is CI's second step instead of a quarter of `make test`.
test-bench: $(STAMP)
	$(BIN)/python -m pytest -q --durations=5 -m bench $(PYTEST_ARGS) tests/test_bench_smoke.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt/models

sql: $(STAMP)
	$(BIN)/aftershock sql

docs: $(STAMP)
	$(BIN)/aftershock docs --serve --port $(DOCS_PORT)

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) bench/requirements.lock
	$(call install,-c requirements.lock -c bench/requirements.lock -e '.[dev$(comma)bench]')
	@touch $(BENCH_STAMP)

# Not part of `make test`: minutes of work at sizes where the figures mean something.
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.harness $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench.harness --quick --out bench/results/quick

clean-data:
	rm -rf data

airflow: $(STAMP)
	scripts/airflow.sh start

airflow-stop:
	scripts/airflow.sh stop
