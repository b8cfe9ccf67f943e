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

.PHONY: install run run-prod test lint seed bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q ".[dev]"
	touch $@

# Leaflet (the maps) and axe-core (the browser tests) from npm, when npm is
# here; without it the site still runs, and its maps are lists of stores.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: no maps (the pages list the stores); install Node.js for them."; \
	fi

install: $(VENV)/.installed node_modules/.installed

## make run: install, migrate, load demo data, start web + worker + beat.
run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@$(PY) manage.py demo_banner --url http://$(O2O_HOST):$(O2O_PORT)/
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start

## make run-prod: the production processes (Procfile: gunicorn, worker, beat)
## against this machine's PostgreSQL and Redis, without containers.
## A demo: it opts in to the development payment gateway (no real money; every
## page says so). PROD_PAYMENTS_GATEWAY=stripe with the STRIPE_* keys for real ones.
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/o2o_prod
PROD_REDIS_URL ?= redis://127.0.0.1:6379/1
PROD_PAYMENTS_GATEWAY ?= dev
run-prod: install
	@mkdir -p var
	@test -s var/prod-secret || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/prod-secret
	@$(PY) -c "import psycopg, sys; url = sys.argv[1]; base, name = url.rsplit('/', 1); 	conn = psycopg.connect(base + '/postgres', autocommit=True); 	conn.execute('SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone() 	or conn.execute('CREATE DATABASE ' + name)" $(PROD_DATABASE_URL)
	DJANGO_SETTINGS_MODULE=o2o.settings.production SECRET_KEY="$$(cat var/prod-secret)" \
	ALLOWED_HOSTS=localhost,127.0.0.1 SECURE_SSL_REDIRECT=False SECURE_COOKIES=False \
	DATABASE_URL=$(PROD_DATABASE_URL) REDIS_URL=$(PROD_REDIS_URL) \
	PAYMENTS_GATEWAY=$(PROD_PAYMENTS_GATEWAY) \
	HOST=$(O2O_HOST) PORT=$(O2O_PORT) PATH="$(CURDIR)/$(BIN):$$PATH" \
	sh -c 'python manage.py migrate --noinput -v0 && python manage.py collectstatic --noinput -v0 \
	&& python manage.py seed_demo && python manage.py demo_banner --url http://$(O2O_HOST):$(O2O_PORT)/ \
	&& honcho -f Procfile start web worker beat'

## make test: install, lint, check migrations, run the whole suite.
test: install lint
	$(PY) manage.py makemigrations --check --dry-run -v0 --settings=o2o.settings.test
	$(BIN)/pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the apps' layers, no import cycles (pyproject.toml)
	$(BIN)/mypy accounts merchants offers orders payments reviews rankings notifications o2o \
		storefront dashboard moderation api demo benchmarks

## make bench: load benchmarks against this machine's PostgreSQL (benchmarks/README.md).
bench: install
	bash benchmarks/run.sh

seed: install
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) var staticfiles
