# Tracker RSC: `make run` starts the whole product locally, `make test` runs the suite.
# Needs only Python >= 3.11; everything else is installed into .venv from pyproject.toml.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# With PYTHONDONTWRITEBYTECODE set, every Python start recompiles Django and friends (~15 s).
unexport PYTHONDONTWRITEBYTECODE

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
# Re-install only when the lock files change: a second `make run` starts straight away.
STAMP := $(VENV)/.installed-from-lock
# Exact versions with hashes, generated from pyproject.toml by `make lock` (uv).
DEV_LOCK := requirements/dev.lock
PROD_LOCK := requirements/prod.lock
LOCK_FLAGS := --generate-hashes --universal --quiet
HOST := 127.0.0.1
PORT ?= 8000
# Extra runserver flags for the web process, e.g. RUNSERVER_OPTS=--noreload (CI uses it).
RUNSERVER_OPTS ?=
# pytest-xdist workers; PYTEST_WORKERS=0 runs in one process. Extra flags: PYTEST_ARGS="-k x".
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
# `make test` keeps its broker files, cache and media away from a running `make run`.
TEST_VAR_DIR := $(CURDIR)/var/test-run

ifeq ($(PYTEST_WORKERS),0)
XDIST :=
else
XDIST := -n $(PYTEST_WORKERS)
endif

.PHONY: help install run prepare test lint fmt check migrate seed worker beat clean bench lock audit \
	prod-smoke lint-docker

# DEBUG is off unless set (production fails closed); the local demo and its helpers turn it on,
# which also turns the LinkedIn sandbox on. Set DEBUG=off yourself to try a production start.
migrate seed prepare run worker beat check: export DEBUG ?= on

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Tracker RSC needs Python 3.11 or newer as '$(PYTHON)' (found: $$($(PYTHON) --version 2>&1))." >&2; \
	  echo "Install it, or run e.g. 'make run PYTHON=python3.12'." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(DEV_LOCK) pyproject.toml | $(PY)
	$(PY) -m pip install -qq --disable-pip-version-check --require-hashes -r $(DEV_LOCK)
	$(PY) -m pip install -qq --disable-pip-version-check --no-deps -e .
	@$(PY) -m pip check --disable-pip-version-check >/dev/null || { $(PY) -m pip check; \
	  echo "$(DEV_LOCK) does not satisfy pyproject.toml: run 'make lock' and commit it." >&2; \
	  exit 1; }
	@touch $@

install: $(STAMP) ## Create .venv and install the app with its dev tools from the lock file

lock: | $(PY) ## Regenerate requirements/dev.lock and prod.lock (hashes) from pyproject.toml
	@$(VENV)/bin/uv --version >/dev/null 2>&1 || $(PY) -m pip install -qq --disable-pip-version-check 'uv>=0.5'
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) -o $(PROD_LOCK)
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o $(DEV_LOCK)

# --strict: a package that could not be checked (no vulnerability database reachable) fails the
# audit instead of passing unchecked.
AUDIT := $(VENV)/bin/pip-audit --strict --require-hashes --disable-pip

audit: install ## Known vulnerabilities of the locked versions (pip-audit; needs the internet)
	$(AUDIT) -r $(PROD_LOCK)
	$(AUDIT) -r $(DEV_LOCK)

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## Load the demo data (idempotent), and the LinkedIn sandbox's when it is on
	$(PY) manage.py seed_demo

prepare: seed ## Migrate, seed and collect static files
	$(PY) manage.py collectstatic --noinput -v 0

run: prepare ## Install, migrate, seed, then run web + Celery worker + beat (Ctrl-C stops all)
	@echo
	@echo "  Tracker RSC       http://$(HOST):$(PORT)/"
	@echo "  Admin             http://$(HOST):$(PORT)/admin/   log in as admin / tracker-demo"
	@echo "  Recruiters        recruiter1 ... recruiter5, password tracker-demo"
	@echo "  API docs          http://$(HOST):$(PORT)/api/docs/"
	@echo "  LinkedIn sandbox  http://$(HOST):$(PORT)/sandbox/linkedin/control/  (while LINKEDIN_SANDBOX is on)"
	@echo "  Health            http://$(HOST):$(PORT)/healthz/"
	@echo "  Starting web, worker and beat; Ctrl-C stops them all."
	@echo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" RUNSERVER_OPTS="$(RUNSERVER_OPTS)" \
	  SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" \
	  $(VENV)/bin/honcho start --port $(PORT)

worker: install ## Run only a Celery worker (e.g. beside a web server started elsewhere)
	$(VENV)/bin/celery -A tracker_rsc worker -l info --concurrency 2

beat: install ## Run only Celery beat (exactly one per deployment; see README)
	$(VENV)/bin/celery -A tracker_rsc beat -l info

test: install ## Run the whole test suite (uses DATABASE_URL / REDIS_URL when set)
	@rm -rf "$(TEST_VAR_DIR)"
	TRACKER_VAR_DIR="$(TEST_VAR_DIR)" $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: install ## ruff check + ruff format --check
	$(RUFF) check .
	$(RUFF) format --check .

fmt: install ## Format and auto-fix with ruff
	$(RUFF) format .
	$(RUFF) check --fix .

check: install ## Django's system checks and the migrations check
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install ## Run bench/ and write bench/REPORT.md (BENCH_CANDIDATES, DATABASE_URL, BENCH_ONLY)
	$(PY) bench/report.py $(if $(BENCH_ONLY),--only $(BENCH_ONLY))

prod-smoke: install ## Production topology here: gunicorn, 2 workers, beat, S3, sandbox server (PROD_SMOKE_*)
	$(PY) ops/prod_smoke.py

lint-docker: install ## hadolint the Dockerfile, check compose.yaml against the Compose schema
	$(VENV)/bin/hadolint --failure-threshold info Dockerfile
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

clean: ## Remove .venv and caches (keeps var/, the local database)
	rm -rf $(VENV) .ruff_cache .pytest_cache *.egg-info
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
