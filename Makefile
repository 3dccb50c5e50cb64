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

.PHONY: install run migrate migration tick lint test test-sqlite test-postgres test-shifted bench lock clean

$(VENV)/.installed: pyproject.toml requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "stagecoach needs Python 3.11 or newer; '$(PYTHON)' is $$(command -v $(PYTHON) >/dev/null && $(PYTHON) --version 2>&1 || echo missing)." \
		"Pick one with: make $(or $(MAKECMDGOALS),install) PYTHON=python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

# A start-up failure (a missing setting, say) is the bot's one line and exit status 2: make adds nothing
# after it. Any other failure still fails `make run`.
run: install  ## start the bot (SQLite under ./data/ unless DATABASE_URL says otherwise)
	@$(PY) -m bot || [ $$? -eq 2 ]

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

# 6 workers on 2 cores, idle ones taking queued tests from busy ones (worksteal); the tests marked slow start each
# worker's share, longest first (tests/conftest.py), so no 20 s test starts last. The run is CPU-bound (about 190% of
# the 2 cores), so only fewer CPU seconds make it shorter. Quiet, this machine, 2026-12-07: 805 tests in 58-59 s wall
# and 111-113 s CPU (4 workers 69 s, 5 workers 66 s, 8 workers 77-86 s); the suite of 37454f1, 590 tests run one at a
# time, took 117-132 s the same hour. Each worker migrates its own database (a SQLite file, or a
# scratch PostgreSQL database), so workers never share rows.
TEST_WORKERS ?= 6
# pytest keeps the test modules it rewrote for assert messages as bytecode, but not under PYTHONDONTWRITEBYTECODE
# (set in many shells and images): then each of the 7 processes (6 workers and the controller) rewrote all ~90
# test modules again, 3.9 s CPU of collecting each against 1.7 s from the cache. __pycache__ is git-ignored.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

test-sqlite: install
	$(PYTEST)

test-postgres: install
	@if [ -z "$(TEST_POSTGRES_URL)" ]; then \
		echo "PostgreSQL run skipped: set TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test to include it"; \
	else \
		TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" $(PYTEST); \
	fi

# The SQLite suite again with every test process's wall clock moved SHIFT days (tests/clockshift/):
# a test that mixes a fixed date with the wall clock fails here today, not on the day the two disagree.
SHIFT ?= 400
test-shifted: install
	PYTHONPATH=$(CURDIR)/tests/clockshift STAGECOACH_TEST_CLOCK_SHIFT_DAYS=$(SHIFT) $(PYTEST) \
		-W ignore::pytest.PytestAssertRewriteWarning  # time_machine, imported before pytest by sitecustomize

test: lint test-sqlite test-postgres  ## everything CI runs (CI adds test-shifted for +400 and -30 days)

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
