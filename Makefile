# credlab: `make demo` runs the main job, `make test` runs every check. Both set up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.credlab-installed

.PHONY: demo test setup graphviz mermaid lint typecheck pytest diagrams-check schema clean

# The main job: every check on every spec, and the analysts' report (build/report/index.html).
# `credlab check` exits 1 when a spec has a failure or a risk it does not accept (ANA does: its
# text sets no limit on wrong passwords); the demo has done its job when the report is written.
demo: setup
	@$(BIN)/credlab check; status=$$?; \
	if [ $$status -eq 1 ]; then echo "credlab check exited 1: the summary above says what failed; the report explains each finding."; \
	elif [ $$status -ne 0 ]; then exit $$status; fi

test: setup mermaid lint typecheck pytest diagrams-check

lint: setup
	$(BIN)/ruff check credlab model simulator tests benchmarks examples
	$(BIN)/ruff format --check credlab model simulator tests benchmarks examples

typecheck: setup
	$(BIN)/mypy -p credlab

pytest: setup
	$(BIN)/python -m pytest

# diagrams/ must match spec/ (regenerate with `credlab diagram`). Without Graphviz, SVGs are
# checked only by the DOT source they record, and the check says so.
diagrams-check: setup
	$(BIN)/credlab diagram --check

setup: $(STAMP) graphviz

$(STAMP): pyproject.toml simulator/engine/_bfs.c
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "credlab needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# Graphviz's `dot` renders SVG/PNG diagrams. Install it where we can; otherwise say how.
graphviz:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Graphviz (Debian package graphviz)..."; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; } \
		|| echo "note: could not install Graphviz; SVG/PNG diagrams need it (apt-get install graphviz)."; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "Installing Graphviz (Debian package graphviz)..."; \
		{ sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; } \
		|| echo "note: could not install Graphviz; SVG/PNG diagrams need it (sudo apt-get install graphviz)."; \
	else \
		echo "note: Graphviz's 'dot' is not installed; SVG/PNG diagrams need it."; \
		echo "      Install it: 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS)."; \
	fi

# The official Mermaid CLI renders the committed .mmd diagrams in Chromium for
# tests/simulator/test_rendered_diagrams.py (as GitHub would show them). From the npm registry,
# pinned, into build/; puppeteer's own browser download is skipped: the system Chromium is used.
MERMAID_CLI := @mermaid-js/mermaid-cli@11.17.0
MMDC := build/mermaid/node_modules/.bin/mmdc
mermaid: $(MMDC)

$(MMDC):
	@if command -v npm >/dev/null 2>&1; then \
		echo "Installing the Mermaid CLI ($(MERMAID_CLI), npm) for the rendered-diagram tests..."; \
		PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --prefix build/mermaid $(MERMAID_CLI) \
		|| echo "note: could not install the Mermaid CLI; the rendered Mermaid tests will skip."; \
	else \
		echo "note: npm is not installed; the rendered Mermaid tests will skip (install Node.js and npm)."; \
	fi

# Regenerate the JSON Schema shipped for editors (a test checks it is current).
schema: setup
	$(BIN)/credlab schema > spec/credlab-spec.schema.json
	$(BIN)/credlab schema --scenario > scenarios/credlab-scenario.schema.json
	$(BIN)/credlab schema --binding > examples/ana_app/credlab-binding.schema.json
	$(BIN)/credlab schema --profile > examples/profiles/credlab-profile.schema.json

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
