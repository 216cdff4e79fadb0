# The two commands the README opens with:
#   make demo   set up .venv, prepare the demo store, serve the dashboards on http://127.0.0.1:8866
#   make test   set up .venv, install Chromium if missing, run ruff, unit, notebook and browser tests
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE := data/workbench.sqlite
PORT ?= 8866
# The suite's pytest-xdist workers: one per core of the 2-core machines CI runs on.
TEST_WORKERS ?= 2

.PHONY: demo test lint unit browser chromium postgresql demo-data dictionary bench clean axe

demo: $(STAMP) $(STORE)
	@echo "Outcome Workbench dashboards: http://127.0.0.1:$(PORT)/"
	$(BIN)/workbench serve --store sqlite:///$(CURDIR)/$(STORE) --port $(PORT)

test: $(STAMP) chromium postgresql axe
	$(BIN)/ruff check .
	WORKBENCH_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Re-install when the dependencies change; pip only.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(STORE): $(STAMP) $(wildcard data/demo/*.csv)
	$(BIN)/workbench load data/demo --demo --store sqlite:///$(CURDIR)/$(STORE)
	touch $@

# Debian's Chromium drives the browser tests (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium with apt ..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL server: the store tests start a throwaway cluster of their own.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "Installing PostgreSQL with apt ..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/browser --ignore=tests/postgres

browser: $(STAMP) chromium axe
	$(BIN)/python -m pytest tests/browser

demo-data: $(STAMP)
	$(BIN)/workbench demo-data --size demo --out data/demo

dictionary: $(STAMP)
	$(BIN)/workbench dictionary

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_synth.py --size la-decade --out /tmp/workbench-la-decade

clean:
	rm -rf $(VENV) test-artifacts $(STORE) *.egg-info

# axe-core for the accessibility tests, pinned by tests/browser/axe/package-lock.json and served
# from disk to the page (never from a CDN). node and npm come from the machine.
AXE_DIR := tests/browser/axe
axe: $(AXE_DIR)/node_modules/axe-core/axe.min.js

$(AXE_DIR)/node_modules/axe-core/axe.min.js: $(AXE_DIR)/package-lock.json
	cd $(AXE_DIR) && npm ci --no-audit --no-fund
	touch $@
