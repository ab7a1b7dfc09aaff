# The two commands: `make run` and `make test`. Everything else is what they are made of.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/crm
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := python3.11

.PHONY: help setup system-deps deps assets translations run worker test lint typecheck test-sqlite \
        test-postgres test-browser bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-15s %s\n", $$1, $$2}'

$(UV):
	python3.11 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

crm/static/dist/app.js: node_modules/.package-lock.json frontend/build.mjs $(wildcard frontend/src/*)
	node frontend/build.mjs

deps: $(VENV)/.synced ## Virtualenv from the lock file

assets: crm/static/dist/app.js ## Front-end bundle (npm ci + esbuild)

translations: deps ## Compile the Russian and English catalogues
	$(PY) manage.py compile_translations

setup: deps assets translations ## Everything `run` and `test` need

system-deps: ## Debian's Chromium for the browser tests (`make test` installs it when missing)
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "Installing Debian's chromium for the browser tests (apt-get)"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: setup ## Set up and serve the product with the background worker
	$(VENV)/bin/crm run

worker: setup ## Run a background worker only (production: as many as needed)
	$(VENV)/bin/crm worker

lint: deps ## ruff, import contracts, migrations and Django checks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

typecheck: deps ## mypy on services, selectors and the kernel
	$(VENV)/bin/mypy

test-sqlite: setup system-deps ## The suite on SQLite, browser tests included
	CRM_DATA_DIR=$(CURDIR)/var/test $(VENV)/bin/pytest -q

test-postgres: setup ## The suite on PostgreSQL (browser tests run on SQLite)
	CRM_DATA_DIR=$(CURDIR)/var/test DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -q -m "not browser"

test-browser: setup system-deps ## Only the browser tests
	CRM_DATA_DIR=$(CURDIR)/var/test $(VENV)/bin/pytest -q -m browser

test: setup lint typecheck test-sqlite test-postgres ## Lint, type checks and the whole suite on both databases

bench: setup ## Benchmarks (see docs/performance.md)
	$(PY) -m bench --help
	@echo "See docs/performance.md: python -m bench fill, then python -m bench measure."

clean: ## Remove built and installed files (keeps var/, your data)
	rm -rf $(VENV) $(TOOLS) node_modules crm/static/dist
