# The README's two commands live here: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT ?= 5000
export FLASK_APP := app.py

.PHONY: run test test-fast lint bench bench-load bench-transparency assets chromium venv db demo-data clean screenshots

## make run: set everything up and serve the demo at http://127.0.0.1:$(PORT)
run: venv assets db demo-data
	$(FLASK) portal serve-demo --port $(PORT)

## make test: set up what tests need, then unit, integration, connector and browser tests
test: venv assets chromium lint
	$(PY) -m pytest tests e2e

test-fast: venv assets
	$(PY) -m pytest tests

## make screenshots: every main page at 1366x768 and 390x844 into screenshots/ (git-ignored), checked by axe
screenshots: venv assets chromium
	SCREENSHOT_DIR=$(CURDIR)/screenshots $(PY) -m pytest -q -p no:cacheprovider e2e/screenshot_set.py

## make lint: ruff, the import-linter contracts, and mypy (strict on portal/ and connectors/, see pyproject.toml)
lint: venv
	$(VENV)/bin/ruff check portal connectors sandbox tests e2e bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

## make bench-transparency: a million synthetic audit entries in a throwaway PostgreSQL database; page,
## snapshot and verify times (needs PostgreSQL on 127.0.0.1:5432; ENTRIES=100000 for a quicker run)
bench-transparency: venv
	$(PY) -m bench.transparency_bench --entries $(or $(ENTRIES),1000000)

bench: venv assets demo-data
	$(PY) bench/gather.py
	$(PY) bench/render.py

## make bench-load: the load and fault harness (locust; PostgreSQL and Redis on loopback). Quick: BENCH_SECONDS=10
## Some scenarios only: BENCH_ONLY="steady,kill" (name prefixes; "demo" for make run's own stack)
bench-load: venv assets $(VENV)/.bench-installed
	$(PY) -m bench.load $(if $(BENCH_ONLY),--only "$(BENCH_ONLY)")

$(VENV)/.bench-installed: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $@

assets: static/vendor/.built
static/vendor/.built: package.json package-lock.json $(wildcard static/src/*.scss)
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	rm -rf static/vendor/govuk-frontend && mkdir -p static/vendor/govuk-frontend
	cp -R node_modules/govuk-frontend/dist/govuk/assets static/vendor/govuk-frontend/assets
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk-frontend.min.js
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/htmx-ext-sse/dist/sse.min.js static/vendor/htmx-ext-sse.min.js
	npx --no-install sass --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
	  --load-path=node_modules/govuk-frontend/dist static/src/portal.scss static/vendor/portal.css
	touch $@

chromium:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

db: venv
	$(FLASK) portal db-upgrade

demo-data: venv
	$(FLASK) portal sandbox build
	$(FLASK) portal seed-demo

clean:
	rm -rf $(VENV) node_modules static/vendor instance .pytest_cache .mypy_cache
