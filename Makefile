# One command per task; CI runs `make test` (through .ci/run).
PY := .venv/bin/python

.PHONY: setup demo test lint typecheck bench messages lock production

setup:
	@./scripts/setup.sh

demo: setup
	@./scripts/demo.sh

test: setup
	@./scripts/test.sh

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: setup
	.venv/bin/mypy bottomline

bench: setup
	$(PY) -m bottomline.bench

# Refresh the message catalogue after changing texts (then translate the new entries).
messages: setup
	cd bottomline && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete

# Re-pin the Python packages with hashes after changing pyproject.toml (docs/dependencies.md).
lock:
	@./scripts/lock.sh

# Set up (or upgrade) a Debian 12 host: nginx, gunicorn, Redis, workers and timers (docs/deploy.md).
production:
	@if [ "$$(id -u)" -eq 0 ]; then ./scripts/install-production.sh; else sudo ./scripts/install-production.sh; fi
