# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
O2O_HOST ?= 127.0.0.1
O2O_PORT ?= 8000
export O2O_HOST O2O_PORT
# Logs of web, worker and beat appear as they happen.
export PYTHONUNBUFFERED=1

.PHONY: install run test lint seed clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q ".[dev]"
	touch $@

install: $(VENV)/.installed

## make run: install, migrate, load demo data, start web + worker + beat.
run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@$(PY) manage.py demo_banner --url http://$(O2O_HOST):$(O2O_PORT)/
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start

## make test: install, lint, check migrations, run the whole suite.
test: install lint
	$(PY) manage.py makemigrations --check --dry-run -v0 --settings=o2o.settings.test
	$(BIN)/pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy accounts merchants offers orders payments reviews notifications o2o

seed: install
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) var staticfiles
