# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install migrate demo bench loadtest lock clean

$(STAMP): pyproject.toml requirements.lock
	@echo "==> [1/3] Creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] Upgrading pip"
	$(PY) -m pip install --quiet --upgrade pip
	@echo "==> [3/3] Installing the pinned dependencies (requirements.lock; a few minutes the first time)"
	$(PY) -m pip install --progress-bar on -c requirements.lock -e '.[dev]' | grep --line-buffered -E '^(Collecting|Successfully installed)' || true
	@test -x $(VENV)/bin/django-admin || { echo "Installing failed: run '$(PY) -m pip install -c requirements.lock -e .[dev]' to see why"; exit 1; }
	touch $(STAMP)

install: $(STAMP)

migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

## Serve the app with the embedded default (SQLite, in-process tasks) on http://$(HOST):$(PORT)
run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Lint, then the whole test suite. CI=true turns missing services into failures.
test: lint
	@mkdir -p var
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: migrate
	$(PY) -m bench

## A bounded load test on loopback (PostgreSQL and Redis from DATABASE_URL and
## REDIS_URL; a throw-away database): every acknowledged write accounted for.
loadtest: install
	$(PY) -m bench.loadtest

## Re-resolve every dependency and pin the result (after editing pyproject.toml).
lock:
	rm -rf /tmp/cp-lock && $(PYTHON) -m venv /tmp/cp-lock
	/tmp/cp-lock/bin/pip install --quiet --upgrade pip
	/tmp/cp-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/cp-lock/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) var staticfiles
