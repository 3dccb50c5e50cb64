# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv first.
VENV ?= .venv
PY := $(VENV)/bin/python
SOURCES := bot content tests bench migrations

.PHONY: install run migrate tick lint test test-sqlite test-postgres bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install  ## start the bot (SQLite under ./data/ unless DATABASE_URL says otherwise)
	$(PY) -m bot

migrate: install
	$(PY) -m bot migrate

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

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
