# The two quick-start commands (see README): `make demo` and `make test`.
# Both install what they need into .venv first; nothing else is required.
PYTHON ?= python3
VENV := .venv
# Reinstall when any of these change: exact Python versions (requirements.lock), the npm lock and
# the build step that vendors from it (setup.py), the project's own metadata.
INSTALL_INPUTS := pyproject.toml requirements.lock setup.py package.json package-lock.json
STAMP := $(VENV)/.installed-$(shell cat $(INSTALL_INPUTS) 2>/dev/null | cksum | cut -d' ' -f1)
# Message catalogues: compiled by the build step on install, and again here after a .po changes.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard portal/translations/*/LC_MESSAGES/messages.po))

.PHONY: demo test test-postgres install lint lock system-packages

# The lock is installed with hashes first; the project itself then adds no packages of its own
# choosing (--no-deps), and `pip check` stops when the lock no longer satisfies pyproject.toml.
$(STAMP): $(INSTALL_INPUTS)
	scripts/ensure-system-packages npm
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	npm ci --no-audit --no-fund --loglevel=error
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps --editable .
	$(VENV)/bin/pip check >/dev/null || { $(VENV)/bin/pip check; \
	  echo "requirements.lock does not satisfy pyproject.toml: run \`make lock\`" >&2; exit 1; }
	rm -f $(VENV)/.installed-* && touch $@

%.mo: %.po | $(STAMP)
	$(VENV)/bin/pybabel --quiet compile -i $< -o $@

install: $(STAMP) $(CATALOGUES)

demo: install
	$(VENV)/bin/boendestod demo

# Checked first, so a missing package stops the run before a long install.
system-packages:
	scripts/ensure-system-packages

# One test process per core (pytest-xdist), each with its own database (tests/conftest.py); a
# file's tests stay together, so a module's servers and built wheel are set up once.
PARALLEL := -n auto --dist loadfile

test: system-packages install
	$(VENV)/bin/pytest $(PARALLEL)

# The database tests once more, against a throwaway PostgreSQL (CI runs this after `make test`).
test-postgres: system-packages install
	TEST_DATABASE_URL=$$(.ci/start-postgres) $(VENV)/bin/pytest -m db $(PARALLEL)

# mypy checks the packages listed in pyproject.toml's [tool.mypy] files.
lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

# Exact versions with hashes of everything pyproject.toml asks for, test and bench extras too.
# Run after changing dependencies in pyproject.toml, and commit requirements.lock.
# Needs only uv (in the test extra; installed here when the venv is not there yet), not the
# old lock, which may no longer satisfy pyproject.toml.
lock:
	test -x $(VENV)/bin/uv || { $(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install --quiet uv; }
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --extra test --extra bench \
	  --python $(VENV)/bin/python --custom-compile-command "make lock" \
	  --output-file requirements.lock pyproject.toml
