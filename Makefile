# Two commands for a fresh machine: `make run` and `make test`. See README.md.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py

.DEFAULT_GOAL := help

.PHONY: help
help:
	@echo "make run     start the app with demo data, a Celery worker and beat on http://127.0.0.1:8000"
	@echo "make test    lint, then the whole test suite"
	@echo "make lint    ruff check and format check"
	@echo "make format  let ruff fix what it can"
	@echo "make messages  refresh and compile the Dutch translations"
	@echo "make lock    re-pin requirements*.lock from pyproject.toml"
	@echo "make audit   check the pinned dependencies for known vulnerabilities"
	@echo "make clean   remove the virtual environment and local data (var/)"

$(STAMP): requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version.split()[0]'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-virtualenv -r requirements-dev.lock
	touch $(STAMP)

.PHONY: venv
venv: $(STAMP)

.PHONY: run
run: venv
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_demo --once
	mkdir -p var/mail-in
	@echo ""
	@echo "  PAQT Support runs on http://127.0.0.1:8000  (admin: http://127.0.0.1:8000/admin/)"
	@echo "  Sent email: http://127.0.0.1:8000/dev/mail/   Stop with Ctrl-C."
	@echo ""
	$(BIN)/honcho --procfile Procfile.dev start

.PHONY: test
test: venv lint
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

.PHONY: lint
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: format
format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: messages
messages: venv
	$(MANAGE) makemessages --locale nl --ignore ".venv/*" --ignore "var/*" --no-obsolete
	$(MANAGE) makemessages --locale nl --domain djangojs --ignore ".venv/*" --ignore "staticfiles/*" --no-obsolete
	$(MANAGE) compilemessages --locale nl --ignore ".venv/*"

.PHONY: lock
lock:
	rm -rf /tmp/paqt-lock && $(PYTHON) -m venv /tmp/paqt-lock
	$(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/paqt-lock/base.txt
	$(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["dev"]))' > /tmp/paqt-lock/dev.txt
	/tmp/paqt-lock/bin/pip install --quiet -r /tmp/paqt-lock/base.txt
	{ echo "# The full, pinned dependency tree of the application (what production installs)."; \
	  echo "# Regenerate with \`make lock\` after changing pyproject.toml."; \
	  /tmp/paqt-lock/bin/pip freeze; } > requirements.lock
	/tmp/paqt-lock/bin/pip install --quiet -r /tmp/paqt-lock/dev.txt
	{ echo "# Everything \`make run\` and \`make test\` install: requirements.lock plus the test and lint tools."; \
	  echo "# Regenerate with \`make lock\` after changing pyproject.toml."; \
	  echo "-r requirements.lock"; \
	  /tmp/paqt-lock/bin/pip freeze | grep -vxF -f requirements.lock; } > requirements-dev.lock
	rm -rf /tmp/paqt-lock

# make exits 2 on any failure; scripts/audit.py itself exits 1 (found) or 3 (could not check).
.PHONY: audit
audit: venv
	$(BIN)/python scripts/audit.py requirements.lock requirements-dev.lock

.PHONY: clean
clean:
	rm -rf $(VENV) var staticfiles
