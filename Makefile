# Two commands set everything up on a fresh Debian machine:
#   make run   - the app with demo data on SQLite (instance/), http://127.0.0.1:$(PORT)
#   make test  - the whole test suite on SQLite and on PostgreSQL
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

# What WeasyPrint needs (libharfbuzz-subset0 makes PDFs 11x faster, see notes) and fonts
# that carry Uzbek, Mongolian and Vietnamese letters.
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-dejavu-core
# What the tests read PDFs, QR codes and pages with, as a real reader would (node runs the
# offline verifier's JS on the test vectors).
TEST_DEBS := poppler-utils zbar-tools chromium nginx-light openssl nodejs

define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

.PHONY: run test translations audit system-packages test-system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.requirements $@

system-packages:
	$(call apt_ensure,$(RUNTIME_DEBS))

test-system-packages:
	$(call apt_ensure,$(RUNTIME_DEBS) $(TEST_DEBS))

# The compiled catalogues (.mo) and the offline verifier's JS catalogues
# (static/js/i18n/*.json, made from the .mo files) are built here, never committed.
translations: $(VENV)/.requirements
	$(BIN)/flask translations compile
	$(BIN)/flask translations js

run: system-packages $(VENV)/.requirements translations
	$(BIN)/flask db upgrade
	PORT=$(PORT) $(BIN)/flask demo-data
	PORT=$(PORT) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: test-system-packages $(VENV)/.requirements-dev translations
	$(BIN)/python tests/tools/run_suite.py $(PYTEST_ARGS)

# Known vulnerabilities in the pinned requirements (needs the advisory service, so it is not
# part of `make test`; says so plainly when the service cannot be reached).
audit: $(VENV)/.requirements
	@$(BIN)/pip install -q --disable-pip-version-check pip-audit
	$(BIN)/python tests/tools/audit.py
