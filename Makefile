# The two commands of the README: `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test faults lint format bench clean messages compile-messages

$(BIN)/python:
	@py=$$(scripts/find-python) && echo "Creating $(VENV) with $$py" && "$$py" -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# axe-core for the accessibility tests (package.json, pinned in package-lock.json); where npm
# is missing those tests are skipped, and fail under CI=true (.ci/run installs npm).
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: the accessibility tests will be skipped (apt-get install npm)"; fi

install: $(STAMP) $(NODE_STAMP) compile-messages

# The translation catalogs: locale/*/LC_MESSAGES/django.po are committed, the .mo files are
# compiled here in pure Python (no GNU gettext needed to install or run).
compile-messages: $(STAMP)
	$(BIN)/python -m incidents.management.commands.compiletranslations locale

# After changing strings: brings the catalogs up to date (needs GNU gettext: apt-get install
# gettext), then translate the new entries; the catalog test fails until every one is.
messages: $(STAMP)
	DEBUG=true $(BIN)/python manage.py updatemessages

# The laptop run is a development server: DEBUG on unless the environment says otherwise.
run: export DEBUG ?= true
run: $(STAMP) compile-messages
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py loaddemo --if-empty
	PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

test: $(STAMP) $(NODE_STAMP) compile-messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fault suite (tests/faults/): real workers, SMTP, Redis and PostgreSQL processes killed
# and restarted. Needs DATABASE_URL=postgres://..., redis-server and PostgreSQL's binaries.
faults: $(STAMP)
	$(BIN)/python -m pytest -m faults tests/faults $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Figures (see scripts/bench.py): the pages under load against a minimal view, the cold
# render of /, audience and delivery rows for 100,000 subscribers, SMTP throughput against
# plain smtplib, worker memory at 10,000 and 100,000. wrk comes from Debian's packages.
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || \
		{ echo "make bench needs wrk: apt-get install wrk"; exit 1; })
	@{ command -v varnishd || test -x /usr/sbin/varnishd; } >/dev/null && \
		ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 || \
		(apt-get install -y -qq varnish varnish-modules >/dev/null 2>&1 || \
		{ echo "make bench needs Varnish: apt-get install varnish varnish-modules"; exit 1; })
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles node_modules
