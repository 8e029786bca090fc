# Newsdesk: `make run` serves the app with a Celery worker; `make test` runs the whole suite.
# Both use DATABASE_URL / REDIS_URL when they are set (and fail when those do not answer);
# with nothing set, PostgreSQL / Redis on localhost, or else embedded servers under .data/.
# The app connects as the role newsdesk_app, migrations run as newsdesk_owner; both are set up
# from a superuser's DATABASE_URL (see newsdesk/devservices.py and docs/database.md).

# Settings default to production (DEBUG off); these are development commands, so they turn
# debug on unless the environment says otherwise.
export DJANGO_DEBUG ?= 1

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run test test-fast lint typecheck check bench-extraction bench-pipeline \
        bench-review bench-search bench-api bench-load bench-families browser backup restore \
        clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip uv
	$(VENV)/bin/uv pip sync --python $(PY) -q requirements.lock || \
		$(PY) -m pip install -q -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m newsdesk.devservices run

# Browser tests drive Debian's Chromium; install it where we can (root with apt).
browser:
	@test -x /usr/bin/chromium || { \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "The browser tests need Chromium at /usr/bin/chromium (apt-get install chromium)." >&2; exit 1; fi; }

# Tests keep to Redis database 1 (unless REDIS_URL is set) so that they never touch the queue
# of a running `make run`. They connect as the app's role; the owner sets their database up.
test: install browser
	$(PY) -m newsdesk.devservices exec --redis-db 1 -- $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS); \
	status=$$?; if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$status

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy annotations newsdesk

check: lint typecheck test

bench-extraction: install
	$(PY) bench/extraction.py

# The benchmarks create and drop their own databases (and some switch triggers off to measure
# them), which takes the superuser DATABASE_URL was given as.
bench-pipeline: install
	$(PY) -m newsdesk.devservices exec --as admin -- $(PY) bench/pipeline.py

bench-review: install
	$(PY) -m newsdesk.devservices exec --as admin -- $(PY) bench/review.py

bench-search: install
	$(PY) -m newsdesk.devservices exec --as admin -- $(PY) bench/search.py

bench-api: install
	$(PY) -m newsdesk.devservices exec --as admin -- $(PY) bench/api.py

bench-families: install
	$(PY) -m newsdesk.devservices exec --as admin -- $(PY) bench/families.py

# pg_dump / pg_restore of the database behind DATABASE_URL (see newsdesk/backup.py), as the
# owner of the schema: a restore drops and recreates its tables.
backup: install
	$(PY) -m newsdesk.devservices exec --as owner -- $(PY) -m newsdesk.backup dump $(if $(FILE),--output $(FILE))

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/newsdesk-....dump" >&2; exit 2; }
	$(PY) -m newsdesk.devservices exec --as owner -- $(PY) -m newsdesk.backup restore $(FILE) $(if $(YES),--yes)

bench-load: install
	$(PY) -m newsdesk.devservices exec --as admin -- $(PY) bench/load.py

clean:
	rm -rf $(VENV) .data logs staticfiles test-artifacts
