# The two commands: `make run` and `make test`. Each sets itself up on a fresh machine that has
# only Python 3.11+; nothing needs to be installed by hand first.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test lint format bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Gongdan needs Python 3.11 or newer on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The plugins shipped in this repository, each its own distribution (plugins/<name>/pyproject.toml)
# found by the engine through its `gongdan.plugins` entry point.
PLUGINS := plugins/gongdan_spare_parts plugins/gongdan_pm plugins/gongdan_billing
PLUGIN_INSTALLS := $(foreach plugin,$(PLUGINS),-e $(plugin))

# Re-install when the project's or a plugin's dependencies change.
$(VENV)/.installed-run: pyproject.toml $(PLUGINS:%=%/pyproject.toml) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . $(PLUGIN_INSTALLS)
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(PLUGINS:%=%/pyproject.toml) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]' $(PLUGIN_INSTALLS)
	@touch $@ $(VENV)/.installed-run

## make run: create the database, install the default pack and demo data, serve on :$(PORT)
run: $(VENV)/.installed-run
	$(BIN)/gongdan init --demo
	$(BIN)/gongdan serve --port $(PORT)

# Test files are spread over one worker per core (pytest-xdist; each file stays on one worker, so
# a file's fixtures and order hold). PYTEST_WORKERS=0 runs everything in this one process.
PYTEST_WORKERS ?= auto

## make test: the whole suite (PostgreSQL/Redis tests skip with a reason when those are absent)
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
