#!/usr/bin/env bash
# make test: lint, types, then the whole suite on SQLite and on PostgreSQL.
# With CI=true nothing may be skipped: a missing PostgreSQL or browser fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export BOTTOMLINE_ENV=test

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy bottomline

# The production smoke test starts its own stack (test_production.py): it runs once, below, not in both runs.
# With PostgreSQL there, what does not depend on the database runs once: the tests that use none in the SQLite run,
# those marked onedb (translations, markup, what pages show) in the PostgreSQL one (conftest.py).
PG_URL="${BOTTOMLINE_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
if $PY -c "import psycopg, sys; psycopg.connect(sys.argv[1].replace('postgres://', 'postgresql://'), connect_timeout=3).close()" "$PG_URL" 2>/dev/null; then
  echo "== tests on SQLite"
  $PY -m pytest -n 2 -m "not production and not onedb" --durations=15 "$@"
  echo "== tests on PostgreSQL (those that use the database)"
  DATABASE_URL="$PG_URL" BOTTOMLINE_TEST_SECOND_DATABASE=1 $PY -m pytest -n 2 -m "not production" --durations=15 "$@"
  echo "== production smoke test: nginx, gunicorn, Redis, a job worker and PostgreSQL on loopback"
  BOTTOMLINE_TEST_POSTGRES="$PG_URL" $PY -m pytest -p no:xdist -m production bottomline/web/tests/test_production.py
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at $PG_URL is not reachable, and CI may skip nothing" >&2
  exit 1
else
  echo "== PostgreSQL not reachable at $PG_URL: the suite runs on SQLite alone (CI would fail here)"
  $PY -m pytest -n 2 -m "not production" --durations=15 "$@"
fi
