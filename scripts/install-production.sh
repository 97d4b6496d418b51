#!/usr/bin/env bash
# Sets up (or upgrades) Bottomline on a Debian 12 host: nginx with TLS in front of gunicorn, Redis, job workers
# and timers under systemd, secrets in an environment file only the service reads. Run as root from the
# checkout the site will run from (e.g. git clone ... /srv/bottomline). Re-running it is the upgrade: it keeps
# the environment file (the keys!) and the certificate, migrates, collects static files and reloads the services.
#
#   sudo BOTTOMLINE_HOST=bottomline.example.gov.cn scripts/install-production.sh
#
# Optional: DATABASE_URL (an existing PostgreSQL; otherwise a local PostgreSQL server is installed with its own
# database and role), BOTTOMLINE_TLS_CERT and BOTTOMLINE_TLS_KEY (PEM files to install; otherwise a self-signed
# certificate), BOTTOMLINE_WORKERS (job workers on this host, default 1), BOTTOMLINE_WEB=0 (a worker-only host:
# no nginx, no gunicorn), BOTTOMLINE_TIMERS=0 (no scheduled runs on this host: exactly one host should run them).
# docs/deploy.md says more.
set -euo pipefail
cd "$(dirname "$0")/.."
APP_DIR="$(pwd)"
[ "$(id -u)" -eq 0 ] || { echo "install-production: run as root (sudo)" >&2; exit 1; }

HOST="${BOTTOMLINE_HOST:-$(hostname -f)}"
WORKERS="${BOTTOMLINE_WORKERS:-1}"
WEB="${BOTTOMLINE_WEB:-1}"
TIMERS="${BOTTOMLINE_TIMERS:-1}"
USER_NAME=bottomline
ETC=/etc/bottomline
ENV_FILE="$ETC/bottomline.env"
VAR=/var/lib/bottomline
BACKUPS=/var/backups/bottomline
say() { echo "install-production: $*"; }
manage() {  # a manage.py command as the service, with the service's environment, in its own directory
  runuser -u "$USER_NAME" -- env -C "$VAR" bash -c \
    'set -a; . "$0"; set +a; exec "$1/.venv/bin/python" "$1/manage.py" "${@:2}"' "$ENV_FILE" "$APP_DIR" "$@"
}

if ! grep -q 'VERSION_ID="12"' /etc/os-release 2>/dev/null; then
  say "warning: this is not Debian 12; continuing"
fi

# 1. Debian packages, without recommends (python3 runs this script's own steps, procps brings the /bin/kill that
# reloads gunicorn: a minimal Debian 12 has neither).
packages=(python3 python3.11 python3.11-venv gettext npm openssl ca-certificates redis-server postgresql-client-15
  procps fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
[ "$WEB" = 1 ] && packages+=(nginx)
[ -z "${DATABASE_URL:-}" ] && [ ! -f "$ENV_FILE" ] && packages+=(postgresql)
say "Debian packages: ${packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

# 2. The service user, its directories and their permissions.
id -u "$USER_NAME" >/dev/null 2>&1 ||
  useradd --system --home-dir "$VAR" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
install -d -m 0751 -o "$USER_NAME" -g "$USER_NAME" "$VAR"  # nginx (www-data) passes through to static/ only
install -d -m 0755 -o "$USER_NAME" -g "$USER_NAME" "$VAR/static"
install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$VAR/media" "$VAR/maps"
install -d -m 0750 -o "$USER_NAME" -g "$USER_NAME" "$BACKUPS"
install -d -m 0750 -o root -g "$USER_NAME" "$ETC"
install -d -m 0700 -o root -g root "$ETC/tls"

# 3. The secrets, generated once into an environment file the service (and root) alone can read.
if [ ! -f "$ENV_FILE" ]; then
  if [ -z "${DATABASE_URL:-}" ]; then
    say "a local PostgreSQL database 'bottomline' with its own role"
    systemctl enable --now postgresql >/dev/null 2>&1 || true
    db_password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -v pw="$db_password" <<'SQL'
SELECT 'CREATE ROLE bottomline LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bottomline')\gexec
ALTER ROLE bottomline PASSWORD :'pw';
SELECT 'CREATE DATABASE bottomline OWNER bottomline' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'bottomline')\gexec
SQL
    DATABASE_URL="postgres://bottomline:${db_password}@127.0.0.1:5432/bottomline"
    # A quarter of the memory (at most 8 GB) for PostgreSQL's own page cache while it is Debian's 128 MB: with
    # the default, W6's p99 was 654 ms against 349 ms with 2 GB (docs/benchmarks.md).
    if [ "$(runuser -u postgres -- psql -Atc 'SHOW shared_buffers')" = "128MB" ]; then
      mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 4096 ))
      [ "$mb" -gt 8192 ] && mb=8192
      say "PostgreSQL's shared_buffers: ${mb} MB"
      runuser -u postgres -- psql -q -c "ALTER SYSTEM SET shared_buffers = '${mb}MB'"
      systemctl restart postgresql
    fi
  fi
  say "generating secrets into $ENV_FILE"
  umask 077
  python3 - "$ENV_FILE" "$HOST" "$DATABASE_URL" "$VAR" <<'PY'
import base64, os, secrets, sys
path, host, database_url, var = sys.argv[1:]
b64 = lambda n: base64.b64encode(os.urandom(n)).decode()
lines = {
    "BOTTOMLINE_ENV": "production",
    "BOTTOMLINE_ALLOWED_HOSTS": host,
    "BOTTOMLINE_PORTAL_BASE_URL": f"https://{host}",
    "DATABASE_URL": database_url,
    "BOTTOMLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
    "BOTTOMLINE_TRUSTED_PROXIES": "127.0.0.1,::1",
    "BOTTOMLINE_VAR_DIR": var,
    "BOTTOMLINE_SECRET_KEY": secrets.token_urlsafe(64),
    "BOTTOMLINE_FIELD_KEYS": "k1:" + b64(16),
    "BOTTOMLINE_BLIND_INDEX_KEY": b64(32),
    "BOTTOMLINE_AUDIT_CHAIN_KEY": b64(32),
}
with open(path, "x") as out:
    out.write("# Bottomline's settings and secrets (docs/deploy.md). Keep a copy of the keys apart from the backups.\n")
    out.writelines(f"{k}={v}\n" for k, v in lines.items())
PY
  umask 022
fi
chown root:"$USER_NAME" "$ENV_FILE"
chmod 0640 "$ENV_FILE"

# 4. Python and front-end packages, in the checkout (owned by root: the service cannot change its own code).
[ -x .venv/bin/python ] || python3.11 -m venv .venv
say "Python packages"
# runtime, the batch engine and PDFs, pinned with hashes (docs/dependencies.md); then the project, nothing resolved
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-production.lock 2>&1 \
  | grep -v "is ignored: it is neither" || true
.venv/bin/pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "is ignored: it is neither" || true
.venv/bin/python -c "import django, gunicorn, redis, duckdb, weasyprint"
say "front-end packages"
npm ci --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error
(cd bottomline && ../.venv/bin/python ../manage.py compilemessages -v 0)
.venv/bin/python -m compileall -q bottomline  # the service cannot write bytecode into the checkout

# 5. The database, the map and the static files.
say "migrate, map, static files"
manage migrate --no-input -v 0
manage map_build --if-missing
umask 022
manage collectstatic --no-input -v 0
manage check --deploy --fail-level WARNING

# 6. TLS: the certificate given, or a self-signed one until the bureau's arrives.
if [ ! -f "$ETC/tls/bottomline.crt" ]; then
  if [ -n "${BOTTOMLINE_TLS_CERT:-}" ]; then
    install -m 0644 "$BOTTOMLINE_TLS_CERT" "$ETC/tls/bottomline.crt"
    install -m 0600 "$BOTTOMLINE_TLS_KEY" "$ETC/tls/bottomline.key"
  else
    say "a self-signed certificate for $HOST (replace it: docs/deploy.md)"
    openssl req -x509 -newkey rsa:3072 -nodes -days 825 -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
      -keyout "$ETC/tls/bottomline.key" -out "$ETC/tls/bottomline.crt" 2>/dev/null
    chmod 0600 "$ETC/tls/bottomline.key"
  fi
fi

# 7. nginx.
if [ "$WEB" = 1 ]; then
  install -m 0644 deploy/nginx/bottomline-proxy.conf /etc/nginx/bottomline-proxy.conf
  sed -e "s/bottomline\.example\.gov\.cn/$HOST/g" -e "s#/var/lib/bottomline/static/#$VAR/static/#" \
    deploy/nginx/bottomline.conf >/etc/nginx/sites-available/bottomline
  ln -sf /etc/nginx/sites-available/bottomline /etc/nginx/sites-enabled/bottomline
  rm -f /etc/nginx/sites-enabled/default
  nginx -t -q
fi

# 8. systemd: the units name this checkout.
for unit in deploy/systemd/*; do
  sed -e "s#/srv/bottomline/#$APP_DIR/#g" "$unit" >"/etc/systemd/system/$(basename "$unit")"
done
systemctl daemon-reload
systemctl enable --now redis-server >/dev/null
units=()
[ "$WEB" = 1 ] && units+=(bottomline-web.service)
for i in $(seq 1 "$WORKERS"); do units+=("bottomline-worker@$i.service"); done
[ "$TIMERS" = 1 ] && units+=(bottomline-screen-incremental.timer bottomline-screen-full.timer
  bottomline-figures.timer bottomline-backup.timer bottomline-loans-overdue.timer bottomline-industry-post.timer)
systemctl enable "${units[@]}" >/dev/null
# Start, or on an upgrade: reload the web workers gracefully and restart the job workers after their job.
[ "$WEB" = 1 ] && { systemctl reload-or-restart bottomline-web; systemctl reload-or-restart nginx; }
for i in $(seq 1 "$WORKERS"); do systemctl restart "bottomline-worker@$i"; done
[ "$TIMERS" = 1 ] && systemctl start bottomline-screen-incremental.timer bottomline-screen-full.timer \
  bottomline-figures.timer bottomline-backup.timer bottomline-loans-overdue.timer bottomline-industry-post.timer

# 9. manage.py for the operator, as the service, with its environment.
cat >/usr/local/sbin/bottomline-manage <<SH
#!/bin/sh
# manage.py as the Bottomline service, with its environment (docs/deploy.md).
exec runuser -u $USER_NAME -- env -C "$VAR" sh -c 'set -a; . $ENV_FILE; set +a; exec "$APP_DIR/.venv/bin/python" "$APP_DIR/manage.py" "\$@"' manage "\$@"
SH
chmod 0750 /usr/local/sbin/bottomline-manage

say "done: https://$HOST/ (health: https://$HOST/health/). Next: docs/deploy.md, \"First administrator\"."
