# Aftershock: the two set-up commands are `make demo` and `make test`; both create .venv when needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AFTERSHOCK_DATA_DIR ?= $(CURDIR)/data

.PHONY: venv demo test sql build docs clean-data help bench bench-quick

help:
	@echo "make demo   - install (first run ~2 min), ingest the bundled sample, build, print the impact table"
	@echo "make test   - install, then run the whole test suite"
	@echo "make sql    - DuckDB shell, read-only, on the published warehouse"
	@echo "make build  - dbt build + quality gate + publish on what is in the lake"
	@echo "make bench  - benchmarks at full size (long; writes bench/results/latest.json and .md)"

venv: $(STAMP)

# The stamp is stale whenever the pins change, so a pull that moves a pin reinstalls.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aftershock demo

build: $(STAMP)
	$(BIN)/aftershock build

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

sql: $(STAMP)
	$(BIN)/aftershock sql

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) bench/requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -c bench/requirements.lock -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

# Not part of `make test`: minutes of work at sizes where the figures mean something.
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.harness $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench.harness --quick --out bench/results/quick

clean-data:
	rm -rf data
