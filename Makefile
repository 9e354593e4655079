# Two commands for a newcomer: `make demo` and `make test`.
# Both create .venv and install the project with what its tests need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

JS_DIR := tests/js
# Bytecode is cached (__pycache__, ignored by git) even where the environment turns it off: pytest then
# rewrites the test modules' asserts once, not in every run and worker (collection 13 -> 6 s, measured).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-unit test-integration test-e2e test-rest test-all install clean i18n

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

# The tests, in three tiers (tests/unit, tests/integration, tests/e2e; see tests/conftest.py).
# `make test`: every tier, without what needs PostgreSQL or a Prefect server (and without -m slow):
# the target is under 3 minutes on 2 idle cores. `make test-rest`: exactly what `make test` leaves out
# (PostgreSQL through NMRF_TEST_POSTGRES_URL, the Prefect-server tests, the slow tests); .ci/run runs
# `make test` then `make test-rest`. `make test-all`: both in one run. Every run prints its 15 slowest tests.
# The runs use every core (pytest-xdist; WORKERS=1 for one process), one test file per worker: a file's
# module fixtures (a sweeper, a Prefect stack) are built once, and its tests keep their order.
# `prefect_server` marks every test that starts a Prefect server, Prefect's temporary one included (a flow
# run without PREFECT_API_URL: 10-20 s of CPU each time); the command line without a server is in `make test`.
WORKERS  ?= auto
PARALLEL := $(if $(filter 1,$(WORKERS)),,-n $(WORKERS) --dist loadfile)
PYTEST   := $(PY) -m pytest -q --durations=15
LOCAL    := -m "not slow and not postgres and not prefect_server"

test: install
	env -u NMRF_TEST_POSTGRES_URL $(PYTEST) $(PARALLEL) $(LOCAL)

test-unit: install
	$(PYTEST) tests/unit

test-integration: install
	env -u NMRF_TEST_POSTGRES_URL $(PYTEST) $(PARALLEL) $(LOCAL) tests/integration

test-e2e: install
	$(PYTEST) $(PARALLEL) -m "slow or not slow" tests/e2e

test-rest: install
	$(PYTEST) $(PARALLEL) -m "slow or postgres or prefect_server"

test-all: install
	$(PYTEST) $(PARALLEL) -m "slow or not slow"

# Translations: extract every marked string (Python, Jinja2 templates, our YAML texts) into
# nmrf/locales/nmrf.pot, update the seven catalogs, check them (file:line of every problem; exits 1).
i18n: $(VENV)/.installed
	$(PY) -m nmrf.i18n_build

clean:
	rm -rf $(VENV) .pytest_cache $(JS_DIR)/node_modules
