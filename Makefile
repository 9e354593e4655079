# Two commands for a newcomer: `make demo` and `make test`.
# Both create .venv and install the project with what its tests need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

JS_DIR := tests/js

.PHONY: demo test test-all install clean i18n

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# ical.js (Thunderbird's parser) reads every feed in the tests: installed from the committed lock file.
$(JS_DIR)/node_modules/.installed: $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed $(JS_DIR)/node_modules/.installed

# The demo needs Python only.
demo: $(VENV)/.installed
	$(VENV)/bin/nmrf demo

# The default run; `make test-all` adds the slow tests (-m slow).
test: install
	$(PY) -m pytest -q

test-all: install
	$(PY) -m pytest -q -m "slow or not slow"

# Translations: extract every marked string (Python, Jinja2 templates, our YAML texts) into
# nmrf/locales/nmrf.pot, update the seven catalogs, check them (file:line of every problem; exits 1).
i18n: $(VENV)/.installed
	$(PY) -m nmrf.i18n_build

clean:
	rm -rf $(VENV) .pytest_cache $(JS_DIR)/node_modules
