# Web-Begleiter: two commands for a newcomer — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8080
DEMO_PORT ?= 8081

.PHONY: run test lint bundle bench clean system-deps

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# The client bundle is built, never committed.
bundle: node_modules/.installed
	npm run --silent build

run: $(VENV)/.installed bundle
	$(VENV)/bin/cobrowse serve --demo --port $(PORT) --demo-port $(DEMO_PORT)

system-deps:
	bash scripts/install-system-deps.sh

test: system-deps $(VENV)/.test-installed bundle lint
	$(VENV)/bin/pytest -q

LINTED := cobrowse tests $(wildcard bench)

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy

bench: $(VENV)/.test-installed bundle
	$(PY) -m bench all

clean:
	rm -rf $(VENV) node_modules cobrowse/static/js
