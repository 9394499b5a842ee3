# The two quick-start commands (see README): `make demo` and `make test`.
# Both install what they need into .venv first; nothing else is required.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml package.json | cksum | cut -d' ' -f1)

.PHONY: demo test install lint

$(STAMP): pyproject.toml package.json
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --editable '.[test]'
	npm install --no-audit --no-fund --loglevel=error
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/boendestod demo

test: $(STAMP)
	scripts/ensure-chromium
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
