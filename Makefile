# Tailor's routine tasks. `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
export OPENBLAS_NUM_THREADS ?= 1

.DEFAULT_GOAL := help
# `make fixtures` builds the demo fixture in a throw-away SQLite database of its own.
FIXTURE_WORK := var/fixtures
FIXTURE_ENV := DATABASE_URL=sqlite:///$(CURDIR)/$(FIXTURE_WORK)/db.sqlite3 \
	TAILOR_VAR_DIR=$(CURDIR)/$(FIXTURE_WORK) REDIS_URL= CELERY_BROKER_URL=memory:// TAILOR_AS_OF=

.PHONY: help demo test test-fast lint typecheck bench fixtures chromium shell worker clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

demo: $(INSTALLED) ## Install, migrate, seed if empty, print the demo log-ins, serve with a worker and beat
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py prepare_demo
	cd $(CURDIR) && PATH=$(CURDIR)/$(BIN):$$PATH HOST=127.0.0.1 $(BIN)/honcho start -p 8000 || true

test: $(INSTALLED) chromium ## Run the whole test suite (services and browser tests run when reachable)
	$(BIN)/pytest

test-fast: $(INSTALLED) ## Run the tests that need no services and no browser
	$(BIN)/pytest -m "not integration and not browser"

lint: $(INSTALLED) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED) ## mypy with django-stubs over the whole project
	$(BIN)/mypy

bench: $(INSTALLED) ## Run the benchmarks and rewrite BENCHMARKS.md (needs PostgreSQL)
	$(BIN)/python benchmarks/run.py

fixtures: $(INSTALLED) ## Rebuild fixtures/demo.json (seed_demo, fixed seed and clock) in a fresh database
	rm -rf $(FIXTURE_WORK) && mkdir -p $(FIXTURE_WORK)
	$(FIXTURE_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(FIXTURE_ENV) $(BIN)/python manage.py make_demo_fixture
	rm -rf $(FIXTURE_WORK)

chromium: ## Install Debian's Chromium for the browser tests when missing and allowed
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium for the browser tests (apt-get)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium not found and not root: browser tests will skip."; fi

shell: $(INSTALLED) ## Django shell
	$(BIN)/python manage.py shell

worker: $(INSTALLED) ## Run a Celery worker with beat in the foreground
	$(BIN)/celery -A config worker -B --loglevel=info

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
