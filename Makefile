# okrapp — every target creates .venv first, so a fresh machine needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench bench-load lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[test,prod]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/okrapp db upgrade
	$(BIN)/okrapp demo
	$(BIN)/okrapp run --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/conflicts.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/board_summary.py
	$(BIN)/python bench/conflicts_org.py

# gunicorn (4 workers) + two schedulers on OKRAPP_DATABASE_URL (PostgreSQL), 50 simulated people;
# BENCH_DURATION seconds (default 60)
bench-load: $(STAMP)
	$(BIN)/python bench/load.py

lint: $(STAMP)
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check --select F,E9,B --ignore B008,B905 --per-file-ignores "tests/*:F811" --line-length 120 okrapp tests bench config.py wsgi.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artefacts
