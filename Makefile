# okrapp — every target creates .venv first, so a fresh machine needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OIDC_PROVIDER := tests/oidc_provider
OIDC_STAMP := $(OIDC_PROVIDER)/node_modules/.installed
AXE := tests/browser/axe
AXE_STAMP := $(AXE)/node_modules/.installed

.PHONY: run test install oidc-provider axe translations translations-compile bench bench-load lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[test,prod]"
	touch $(STAMP)

# The real OpenID provider the company sign-in tests start (panva's oidc-provider under Node.js):
# npm ci runs only when node_modules is missing or older than package.json or the lock file. Where npm
# is missing, Debian's nodejs and npm are installed first (as root, as on CI).
$(OIDC_STAMP): $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } || \
		{ echo "Node.js and npm are needed for the company sign-in tests: apt-get install nodejs npm" >&2; exit 1; }
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

oidc-provider: $(OIDC_STAMP)

# axe-core, the accessibility engine the browser tests inject into Chromium (tests/browser/test_accessibility.py):
# pinned in its package-lock.json, installed like the OpenID provider.
$(AXE_STAMP): $(AXE)/package.json $(AXE)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } || \
		{ echo "Node.js and npm are needed for the accessibility tests: apt-get install nodejs npm" >&2; exit 1; }
	cd $(AXE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

axe: $(AXE_STAMP)

# The catalogues: okrapp/translations/<lang>/LC_MESSAGES/messages.po is kept in git, its compiled .mo is
# built here (by install, run and test), so a fresh checkout needs nothing else. `make translations`
# extracts the sources' words and updates every catalogue; a new language: `pybabel init -l sv -i
# okrapp/translations/messages.pot -d okrapp/translations`, translate it, add it to OKRAPP_LANGUAGES.
TRANSLATIONS := okrapp/translations
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -l $* -i $< -o $@

translations-compile: $(COMPILED)

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k N_ --no-location \
		--sort-output -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

install: $(STAMP) $(COMPILED) $(OIDC_STAMP) $(AXE_STAMP)

run: $(STAMP) $(COMPILED)
	$(BIN)/okrapp db upgrade
	$(BIN)/okrapp demo
	$(BIN)/okrapp run --host 127.0.0.1 --port 5000

test: $(STAMP) $(OIDC_STAMP) $(AXE_STAMP) $(COMPILED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/conflicts.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/board_summary.py
	$(BIN)/python bench/conflicts_org.py
	$(BIN)/python bench/exports.py
	$(BIN)/python bench/api_list.py

# gunicorn (4 workers) + two schedulers on OKRAPP_DATABASE_URL (PostgreSQL), 50 simulated people;
# BENCH_DURATION seconds (default 60)
bench-load: $(STAMP)
	$(BIN)/python bench/load.py

lint: $(STAMP)
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check --select F,E9,B --ignore B008,B905 --per-file-ignores "tests/*:F811" --line-length 120 okrapp tests bench config.py wsgi.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artefacts $(OIDC_PROVIDER)/node_modules $(AXE)/node_modules
