# Web-Begleiter: two commands for a newcomer — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8080
DEMO_PORT ?= 8081

.PHONY: run test lint lock bundle bench clean system-deps

# Python packages come only from the committed lock (uv.lock, with hashes);
# `make lock` is the one way to change it. uv itself is pinned by hash too.
TOOLS  := .venv-tools
UV     := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)

$(UV): scripts/uv-requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check \
		--require-hashes --no-deps -r scripts/uv-requirements.txt
	touch $@

# An install's stamp holds the hash of the files it was made from. When only
# their timestamps are newer (a fresh checkout or git worktree sharing this
# .venv or node_modules), the stamp is touched and nothing is reinstalled.
unchanged = [ -f $@ ] && [ "$$(cat $(1) | sha256sum)" = "$$(cat $@)" ]
stamp = cat $(1) | sha256sum > $@

# --inexact: `make run` after `make test` keeps the test tools installed
$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	@if $(call unchanged,pyproject.toml uv.lock); then touch $@; else \
		echo "$(UV) sync --quiet --frozen --inexact"; \
		$(UV) sync --quiet --frozen --inexact && $(call stamp,pyproject.toml uv.lock); fi

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml uv.lock
	@if $(call unchanged,pyproject.toml uv.lock); then touch $@; else \
		echo "$(UV) sync --quiet --frozen --extra test"; \
		$(UV) sync --quiet --frozen --extra test && $(call stamp,pyproject.toml uv.lock); fi

# Deliberate upgrades: resolve afresh within pyproject.toml's ranges, then install.
lock: $(UV)
	$(UV) lock --upgrade
	$(UV) sync --frozen --extra test
	cat pyproject.toml uv.lock | sha256sum | tee $(VENV)/.installed > $(VENV)/.test-installed

node_modules/.installed: package.json package-lock.json
	@if $(call unchanged,$^); then touch $@; else \
		echo "npm ci --no-audit --no-fund --loglevel=error"; \
		npm ci --no-audit --no-fund --loglevel=error && $(call stamp,$^); fi

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

# The client is plain JavaScript checked by TypeScript (jsconfig.json: strict, no emit).
lint: $(VENV)/.test-installed node_modules/.installed
	$(UV) lock --check --offline --quiet
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy
	npm run --silent typecheck

bench: $(VENV)/.test-installed bundle
	$(PY) -m bench all

clean:
	rm -rf $(VENV) $(TOOLS) node_modules cobrowse/static/js
