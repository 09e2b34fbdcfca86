# The two commands of the README: `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test faults lint format bench clean

$(BIN)/python:
	@py=$$(scripts/find-python) && echo "Creating $(VENV) with $$py" && "$$py" -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

# The laptop run is a development server: DEBUG on unless the environment says otherwise.
run: export DEBUG ?= true
run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py loaddemo --if-empty
	PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

test: $(STAMP)
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

# Fan-out figures (see scripts/bench.py): audience and delivery rows for 100,000 subscribers,
# SMTP throughput against plain smtplib, worker memory at 10,000 and 100,000.
bench: $(STAMP)
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles
