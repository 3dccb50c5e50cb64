# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv first.
# PYTHON picks the interpreter the venv is made from (3.11 or newer): `make test PYTHON=python3.11`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SOURCES := bot content tests bench migrations
# The pinned, hashed dependency sets: requirements.lock (what the image installs) and
# requirements-dev.lock (the same pins plus the dev tools; what .venv and CI install).
LOCK_FLAGS := --quiet --strip-extras --generate-hashes --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host

.PHONY: install run migrate migration tick lint test test-sqlite test-postgres bench lock clean

$(VENV)/.installed: pyproject.toml requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "stagecoach needs Python 3.11 or newer; '$(PYTHON)' is $$(command -v $(PYTHON) >/dev/null && $(PYTHON) --version 2>&1 || echo missing)." \
		"Pick one with: make $(or $(MAKECMDGOALS),install) PYTHON=python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

run: install  ## start the bot (SQLite under ./data/ unless DATABASE_URL says otherwise)
	$(PY) -m bot

migrate: install  ## apply pending migrations
	$(PY) -m bot migrate

# A new Alembic revision from the models: `make migration m="what changed"`. It migrates its own
# scratch database (data/dev.db) to head first, so autogenerate compares against the latest schema.
migration: install
	@test -n "$(m)" || { echo 'say what changed: make migration m="add a column"' >&2; exit 1; }
	DATABASE_URL=sqlite:///./data/dev.db $(PY) -m bot migrate
	DATABASE_URL=sqlite:///./data/dev.db $(VENV)/bin/alembic revision --autogenerate -m "$(m)"

tick: install  ## one scheduler tick now (or `make tick AT=2026-11-20T16:00:00Z`)
	$(PY) -m bot tick $(if $(AT),--at $(AT))

lint: install  ## ruff format + check, mypy
	$(PY) -m ruff format --check $(SOURCES)
	$(PY) -m ruff check $(SOURCES)
	$(PY) -m mypy

test-sqlite: install
	$(PY) -m pytest -q

test-postgres: install
	@if [ -z "$(TEST_POSTGRES_URL)" ]; then \
		echo "PostgreSQL run skipped: set TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test to include it"; \
	else \
		TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" $(PY) -m pytest -q; \
	fi

test: lint test-sqlite test-postgres  ## everything CI runs

bench: install
	$(PY) -m bench

# Refresh both lock files after changing pyproject.toml (needs PyPI). Pins that still satisfy
# pyproject.toml are kept; `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed.
lock: install
	$(PY) -m piptools compile $(LOCK_FLAGS) $(LOCK_ARGS) -o requirements.lock pyproject.toml
	$(PY) -m piptools compile $(LOCK_FLAGS) $(LOCK_ARGS) --extra dev --constraint requirements.lock \
		-o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
