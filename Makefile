# Two commands a newcomer needs: `make run` (the platform with demo data) and `make test`.
# Both bootstrap a pinned uv into .tools/ and install the locked dependencies into .venv/.
PYTHON ?= python3
VENV := .venv
UV := .tools/bin/uv
MANAGE := $(VENV)/bin/python manage.py
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# The port `make run` serves on: `make run PORT=8001` when 8000 is taken.
PORT ?= 8000

.PHONY: run demo-reset test worker beat lint install

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.synced

run: export DEBUG ?= true
# The demo's advisor, awardee lead, faculty and admin logins have no authenticator app; production
# and the tests enforce MFA for those roles (docs/security.md).
run: export MFA_REQUIRED ?= false
run: $(VENV)/.synced
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# Empty the database and load the demo again, e.g. after trying things out in it (asks nothing: it is the demo).
demo-reset: export DEBUG ?= true
demo-reset: $(VENV)/.synced
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) flush --noinput
	$(MANAGE) seed_demo

test: $(VENV)/.synced
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

worker: $(VENV)/.synced
	$(VENV)/bin/celery -A coiin worker --loglevel=INFO

beat: $(VENV)/.synced
	$(VENV)/bin/celery -A coiin beat --loglevel=INFO

# mypy with django-stubs and DRF stubs ([tool.mypy] in pyproject.toml): any error fails.
lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
