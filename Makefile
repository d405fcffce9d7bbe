# Everything a fresh clone needs: `make demo` runs the product with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install messages migrate demo serve test checks lint format bench bench-remittance bench-search bench-export worker beat clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v msgfmt >/dev/null || { echo "gettext is missing: apt-get install gettext"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

messages: install
	$(MANAGE) compilemessages --ignore '.venv' -v0

migrate: messages
	$(MANAGE) migrate --no-input -v0

# A running gateway on http://$(HOST):$(PORT) with the DEMO merchant and a few thousand orders.
demo: migrate
	$(MANAGE) seed_demo
	$(MANAGE) runserver $(HOST):$(PORT)

serve: migrate
	$(MANAGE) runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

checks: messages
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

# The whole suite: lint, migrations in step with the models, translations compiled, then pytest.
test: lint checks
	$(VENV)/bin/pytest

# Benchmarks print figures; they are not tests. Needs the local PostgreSQL.
bench: install
	$(PY) -m bench.api

bench-remittance: install
	$(PY) -m bench.remittance

bench-search: install
	$(PY) -m bench.search

bench-export: install
	$(PY) -m bench.export

# Scale-out: Celery worker and beat on Redis (set REDIS_URL and DATABASE_URL first).
worker: install
	$(VENV)/bin/celery -A clictopay worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A clictopay beat --loglevel=INFO --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var .pytest_cache .ruff_cache .hypothesis
