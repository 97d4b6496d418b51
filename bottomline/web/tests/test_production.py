"""The production stack on loopback, driven through nginx (issue #17): nginx with TLS and the repository's own
site configuration (deploy/nginx/), gunicorn with deploy/gunicorn.conf.py, Redis, a job worker, and a PostgreSQL
database of its own, all in production mode with generated secrets.

The client connects from 127.0.0.5 and sends a forged X-Forwarded-For; nginx passes the address it saw on to
gunicorn, which it reaches from 127.0.0.1 (BOTTOMLINE_TRUSTED_PROXIES): the app must record 127.0.0.5.

Marked ``production``: scripts/test.sh runs it once, after the SQLite and PostgreSQL runs. Without nginx, Redis or
PostgreSQL it is skipped, and under CI=true a skip fails the run (conftest.py).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.production

ROOT = Path(__file__).resolve().parents[3]
CLIENT = "127.0.0.5"  # where the test's requests come from, as nginx sees them
FORGED = "203.0.113.7"  # what a client writes into X-Forwarded-For itself: never believed
PG_URL = os.environ.get("BOTTOMLINE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BOTTOMLINE_TEST_REDIS", "redis://127.0.0.1:6379/0")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def _missing(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _conninfo(url: str, database: str | None = None) -> str:
    parts = urlparse(url.replace("postgres://", "postgresql://", 1))
    if database is not None:
        parts = parts._replace(path=f"/{database}")
    return parts.geturl()


def _swap(text: str, swaps: dict[str, str]) -> str:
    """Replace each name the configuration marks as swapped; a name that is gone means the file changed."""
    for old, new in swaps.items():
        assert old in text, f"deploy/nginx no longer has {old!r}: update the smoke test"
        text = text.replace(old, new)
    return text


@dataclass
class Stack:
    url: str
    database: str
    data: dict[str, Any]
    static_root: Path
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.database, autocommit=True) as connection:
            return list(connection.execute(sql, params).fetchall())


def _start(stack: Stack, name: str, command: list[str], env: dict[str, str]) -> None:
    log = (stack.logs / f"{name}.log").open("wb")
    stack.processes.append(
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    )


def _manage(env: dict[str, str], *args: str) -> str:
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603  (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"manage.py {args[0]}: {result.stdout}\n{result.stderr}"
    print(f"manage.py {args[0]}: {time.monotonic() - started:.1f} s")
    return result.stdout


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    import psycopg
    import redis

    if not Path(NGINX).exists():
        _missing(f"nginx is not installed at {NGINX} (scripts/setup.sh installs it)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        _missing(f"Redis is not reachable at {REDIS_URL} (scripts/setup.sh installs redis-server)")
    try:
        admin = psycopg.connect(_conninfo(PG_URL), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        _missing(f"PostgreSQL is not reachable at {PG_URL}")

    tmp = tmp_path_factory.mktemp("production")
    tmp.chmod(0o755)  # nginx's workers read the static files and the configuration
    name = f"bottomline_smoke_{os.getpid()}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    prefix = f"smoke-{os.getpid()}-{secrets.token_hex(4)}"
    port, upstream = _port(), _port()
    (tmp / "logs").mkdir()
    stack = Stack(
        url=f"https://127.0.0.1:{port}",
        database=_conninfo(PG_URL, name),
        data={},
        static_root=tmp / "static",
        logs=tmp / "logs",
    )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOTTOMLINE_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        BOTTOMLINE_ENV="production",
        BOTTOMLINE_SECRET_KEY=secrets.token_urlsafe(64),
        BOTTOMLINE_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_conninfo(PG_URL, name).replace("postgresql://", "postgres://", 1),
        BOTTOMLINE_FIELD_KEYS="s1:" + base64.b64encode(secrets.token_bytes(16)).decode(),
        BOTTOMLINE_BLIND_INDEX_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        BOTTOMLINE_AUDIT_CHAIN_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        BOTTOMLINE_REDIS_URL=REDIS_URL,
        BOTTOMLINE_CACHE_PREFIX=prefix,
        BOTTOMLINE_TRUSTED_PROXIES="127.0.0.1",
        BOTTOMLINE_VAR_DIR=str(tmp / "var"),
        BOTTOMLINE_STATIC_ROOT=str(stack.static_root),
        BOTTOMLINE_JOBS_HEARTBEAT_SECONDS="1",
        GUNICORN_BIND=f"127.0.0.1:{upstream}",
        GUNICORN_WORKERS="2",
    )
    try:
        # collectstatic needs no database: it runs beside migrate and the data's set-up.
        collect = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        _manage(env, "migrate", "--no-input", "-v", "0")
        stack.data = json.loads(
            _manage(
                env, "shell", "-c", "from bottomline.web.tests.production_setup import main; main()"
            ).splitlines()[-1]
        )

        output = collect.communicate(timeout=180)[0]
        assert collect.returncode == 0, f"collectstatic: {output.decode()}"
        subprocess.run(  # noqa: S603
            [
                OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(tmp / "tls.key"), "-out", str(tmp / "tls.crt"),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        proxy = _swap(
            (ROOT / "deploy/nginx/bottomline-proxy.conf").read_text(),
            {"proxy_pass http://": "proxy_pass http://"},
        )
        (tmp / "proxy.conf").write_text(proxy)
        site = _swap(
            (ROOT / "deploy/nginx/bottomline.conf").read_text(),
            {
                "server 127.0.0.1:8001;": f"server 127.0.0.1:{upstream};",
                "listen [::]:80;": "",
                "listen [::]:443 ssl http2;": "",
                "listen 80;": f"listen 127.0.0.1:{_port()};",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
                "/etc/bottomline/tls/bottomline.crt": str(tmp / "tls.crt"),
                "/etc/bottomline/tls/bottomline.key": str(tmp / "tls.key"),
                "/var/lib/bottomline/static/": f"{stack.static_root}/",
                "/etc/nginx/bottomline-proxy.conf": str(tmp / "proxy.conf"),
            },
        )
        (tmp / "site.conf").write_text(site)
        temp = tmp / "nginx-temp"
        temp.mkdir()
        (tmp / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"""daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {stack.logs}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {stack.logs}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp}/site.conf;
}}
"""
        )
        _start(stack, "gunicorn", [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                   "bottomline.wsgi:application"], env)  # fmt: skip
        _start(stack, "worker", [sys.executable, "manage.py", "jobs_worker", "--interval", "0.2"], env)
        _start(stack, "nginx", [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e",
                                str(stack.logs / "nginx-start.log")], env)  # fmt: skip
        _wait_until_healthy(stack, tmp / "tls.crt")
        stack.data["ca"] = str(tmp / "tls.crt")
        yield stack
    finally:
        for process in reversed(stack.processes):  # nginx first
            process.terminate()
        for process in stack.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)


def _wait_until_healthy(stack: Stack, ca: Path) -> None:
    import requests

    deadline, last = time.monotonic() + 60, ""
    while time.monotonic() < deadline:
        for process in stack.processes:
            if process.poll() is not None:
                logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in stack.logs.iterdir())
                pytest.fail(f"a process of the stack stopped ({process.args!r}):\n{logs}")
        try:
            with requests.Session() as session:
                session.trust_env = False
                response = session.get(f"{stack.url}/health/", verify=str(ca), timeout=5)
            last = response.text
            if response.status_code == 200:
                return
        except requests.RequestException as error:
            last = str(error)
        time.sleep(0.3)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in stack.logs.iterdir())
    pytest.fail(f"the stack did not become healthy: {last}\n{logs}")


class Browser:
    """A requests session from a given loopback address, sending a forged X-Forwarded-For, in English."""

    def __init__(self, stack: Stack, source: str = CLIENT) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        class FromAddress(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                kwargs["source_address"] = (source, 0)
                super().init_poolmanager(*args, **kwargs)

        self.base = stack.url
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy, no REQUESTS_CA_BUNDLE from the environment: this CA only
        self.session.mount("https://", FromAddress())
        self.session.verify = stack.data["ca"]
        self.session.headers.update({"X-Forwarded-For": FORGED, "Accept-Language": "en"})

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.session.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        return self.session.post(
            self.base + path,
            data=data,
            headers={"Referer": self.base + path},
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )

    def form(self, path: str) -> str:
        """GET a page with a form; its CSRF token."""
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code, page.text[:500])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text[:1000]
        return token.group(1)


def test_the_production_stack_serves_through_nginx(stack: Stack) -> None:
    from django_otp.oath import totp

    browser = Browser(stack)
    # Health through nginx: every check passes, the cache is Redis and a worker beats.
    health = browser.get("/health/")
    assert health.status_code == 200, health.text
    checks = health.json()["checks"]
    assert checks["cache"]["backend"] == "RedisCache" and checks["database"]["vendor"] == "postgresql"
    assert checks["worker"]["alive"] == 1
    # No software version in any header; Django's security headers pass through.
    for header, value in health.headers.items():
        assert not re.search(r"\d+\.\d+", value) or header.lower() in {"date", "expires", "content-length"}, (
            header,
            value,
        )
    assert health.headers["Server"] == "nginx"
    assert "Strict-Transport-Security" in health.headers

    # Sign in: password, then the TOTP code (production requires the second factor).
    token = browser.form("/account/login/")
    step = browser.post(
        "/account/login/",
        {
            "csrfmiddlewaretoken": token,
            "login_view-current_step": "auth",
            "auth-username": stack.data["username"],
            "auth-password": stack.data["password"],
        },
    )
    assert step.status_code == 200 and "token-otp_token" in step.text, step.text[:800]
    code = totp(bytes.fromhex(stack.data["totp_key"]))
    done = browser.post(
        "/account/login/",
        {
            "csrfmiddlewaretoken": browser.form("/account/login/") if False else token,
            "login_view-current_step": "token",
            "token-otp_token": f"{code:06d}",
        },
    )
    assert done.status_code == 302, done.text[:800]
    assert browser.get("/").status_code == 200

    # A household page.
    page = browser.get(f"/registry/households/{stack.data['household']}/")
    assert page.status_code == 200
    assert "永丰村" in page.text

    # A feed upload, loaded by the worker as a job.
    from bottomline.feeds.schemas import BY_CODE

    row = {"id_number": stack.data["head_id"], "kind": "accident", "occurred_on": "2026-07-12"}
    columns = [c for c in BY_CODE["disasters"].columns if c.key in row]
    csv = (",".join(c.zh for c in columns) + "\n" + ",".join(row[c.key] for c in columns) + "\n").encode(
        "utf-8-sig"
    )
    token = browser.form("/feeds/upload/")
    uploaded = browser.session.post(
        f"{stack.url}/feeds/upload/",
        data={"csrfmiddlewaretoken": token, "feed_type": "disasters", "commit": "1"},
        files={"file": ("disasters.csv", csv, "text/csv")},
        headers={"Referer": f"{stack.url}/feeds/upload/"},
        allow_redirects=False,
        timeout=60,
    )
    assert uploaded.status_code == 302, uploaded.text[:1500]
    job_id = int(re.fullmatch(r"/jobs/(\d+)/", uploaded.headers["Location"]).group(1))  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while (status := stack.query("SELECT status, result, error FROM jobs_job WHERE id = %s", job_id)[0])[
        0
    ] not in {"succeeded", "failed"}:
        assert time.monotonic() < deadline, f"the job is still {status}"
        time.sleep(0.2)
    assert status[0] == "succeeded", status
    assert status[1]["applied"] == 1, status

    # A declaration on the public portal, from the village's poster link.
    village = stack.data["village"]
    public = Browser(stack)
    token = public.form(f"/declare/?v={village}")
    declared = public.post(
        "/declare/",
        {
            "csrfmiddlewaretoken": token,
            "fixed": village,
            "name": "李四",
            "phone": "13900000901",
            "id_number": stack.data["declarant_id"],
            "risk_type": "illness",
            "description": "smoke test",
            "consent": "on",
        },
    )
    assert declared.status_code == 200 and 'id="receipt"' in declared.text, declared.text[:3000]
    assert stack.query("SELECT count(*) FROM portal_declaration")[0][0] == 1

    # The address the app recorded is the one nginx saw, never the proxy's nor the forged one.
    addresses = {
        row[0] for row in stack.query("SELECT DISTINCT host(ip) FROM audit_event WHERE ip IS NOT NULL")
    }
    assert addresses == {CLIENT}
    changes = {row[0] for row in stack.query("SELECT DISTINCT host(remote_addr) FROM auditlog_logentry")}
    assert CLIENT in changes and FORGED not in changes and "127.0.0.1" not in changes

    # Static files come from nginx: a hashed name is immutable.
    manifest = json.loads((stack.static_root / "staticfiles.json").read_text())["paths"]
    static = browser.get("/static/" + manifest["vendor/bootstrap/css/bootstrap.min.css"])
    assert static.status_code == 200 and "immutable" in static.headers["Cache-Control"]
    assert "Content-Security-Policy" not in static.headers  # not Django's response

    # The sign-in page's password posts are limited per client address (from another address: this one is
    # still signed in).
    hammer = Browser(stack, source="127.0.0.6")
    codes = [hammer.post("/account/login/", {"auth-username": "x"}).status_code for _ in range(10)]
    assert 429 in codes, codes
