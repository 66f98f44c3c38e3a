# Contrib — `make run` serves the site with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends
FLASK := $(PY) -m flask --app wsgi
PYTEST_ARGS ?=
# Test processes (pytest-xdist): each gets its own database; 2 keeps the suite well under 15 min on 2 cores.
TEST_WORKERS ?= 2

.PHONY: install pdf-deps system-deps run serve test lint test-sqlite test-postgresql bench audit clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { apt-get update -qq && $(APT_INSTALL) python3-venv python3-pip; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Debian packages the plaidoyer PDF needs (WeasyPrint lays it out with Pango), to serve the site as to test it.
pdf-deps:
	@need=""; \
	ldconfig -p | grep -q 'libpango-1.0.so.0' || need="$$need libpango-1.0-0"; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || need="$$need libpangoft2-1.0-0"; \
	[ -d /usr/share/fonts/truetype/liberation2 ] || need="$$need fonts-liberation2"; \
	[ -d /usr/share/fonts/truetype/dejavu ] || need="$$need fonts-dejavu-core"; \
	if [ -n "$$need" ]; then \
	  echo "Installing Debian packages:$$need"; \
	  apt-get update -qq && $(APT_INSTALL) $$need; \
	fi

# Debian packages the tests need: Chromium for the browser journeys, PostgreSQL and Redis binaries,
# nginx (its configuration is checked with nginx -t), wrk (the anonymous-throughput bench), and the above.
system-deps: pdf-deps
	@need=""; \
	[ -x /usr/bin/chromium ] || need="$$need chromium"; \
	command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	command -v redis-server >/dev/null 2>&1 || need="$$need redis-server"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$$need nginx-light"; \
	command -v wrk >/dev/null 2>&1 || need="$$need wrk"; \
	if [ -n "$$need" ]; then \
	  echo "Installing Debian packages:$$need"; \
	  apt-get update -qq && $(APT_INSTALL) $$need; \
	fi

run: install pdf-deps
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Contrib est servi par gunicorn sur http://127.0.0.1:5000 avec sa file de tâches (Ctrl+C pour arrêter)"
	@$(PY) -m tools.serve

test: install system-deps lint test-sqlite test-postgresql

# Lint and format (ruff) over the whole tree, types (mypy) on nlp/ and contrib/core: a failure fails CI.
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test-sqlite: install
	CONTRIB_TEST_DB=sqlite $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Pure nlp/ tests do not touch the database: they run once, in the SQLite pass (as do SQLite fault tests).
test-postgresql: install
	CONTRIB_TEST_DB=postgresql $(PY) -m tools.pgserver -- $(PY) -m pytest -n $(TEST_WORKERS) -m "not nodb and not sqlite_only and not once" $(PYTEST_ARGS)

bench: install system-deps
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Known vulnerabilities in the installed dependencies (needs access to the PyPI/OSV advisory services).
audit: install
	$(PY) -m pip install --quiet 'pip-audit>=2.7,<3'
	$(PY) -m pip_audit --skip-editable --progress-spinner off

clean:
	rm -rf $(VENV) instance/contrib.sqlite3*
