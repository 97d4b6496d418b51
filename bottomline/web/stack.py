"""The production stack on loopback (issue #17): nginx with TLS and the repository's own site configuration
(deploy/nginx/), gunicorn with deploy/gunicorn.conf.py, Redis, a job worker, and a PostgreSQL database of its own,
all in production mode with generated secrets.

Shared by the production smoke test (web/tests/test_production.py) and the W6 load benchmark (bench/w6.py).
nginx reaches gunicorn from 127.0.0.1 (BOTTOMLINE_TRUSTED_PROXIES): the app believes the address nginx saw.
Not imported by the web application itself.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


class StackMissing(RuntimeError):
    """nginx, Redis or PostgreSQL is not there: the stack cannot be started on this machine."""


class StackFailed(RuntimeError):
    """The stack was started and a part of it failed (the message holds the logs' ends)."""


def port_free() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def conninfo(url: str, database: str | None = None) -> str:
    """A psycopg connection string from a ``postgres://`` URL, with another database when given."""
    parts = urlparse(url.replace("postgres://", "postgresql://", 1))
    if database is not None:
        parts = parts._replace(path=f"/{database}")
    return parts.geturl()


def _swap(text: str, swaps: dict[str, str]) -> str:
    """Replace each name the configuration marks as swapped; a name that is gone means the file changed."""
    for old, new in swaps.items():
        if old not in text:
            raise StackFailed(f"deploy/nginx no longer has {old!r}: update bottomline/web/stack.py")
        text = text.replace(old, new)
    return text


@dataclass
class Stack:
    url: str
    database: str
    data: dict[str, Any]
    static_root: Path
    logs: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.database, autocommit=True) as connection:
            return list(connection.execute(sql, params).fetchall())

    def logs_tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs.iterdir()
        )


def manage(env: dict[str, str], *args: str, timeout: float = 180, nice: str = "") -> str:
    """Run ``manage.py *args`` with ``env`` (at the niceness ``nice``, if given); its standard output (StackFailed
    with both outputs on failure)."""
    started = time.monotonic()
    niced = ["nice", "-n", nice] if nice else []
    result = subprocess.run(  # noqa: S603  (our own manage.py with fixed arguments)
        [*niced, sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise StackFailed(f"manage.py {args[0]}: {result.stdout}\n{result.stderr}")
    print(f"manage.py {args[0]}: {time.monotonic() - started:.1f} s", flush=True)
    return result.stdout


def _start(stack: Stack, name: str, command: list[str], env: dict[str, str]) -> None:
    log = (stack.logs / f"{name}.log").open("wb")
    stack.processes.append(
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    )


def _nginx_conf(tmp: Path, logs: Path, access_format: str) -> str:
    temp = tmp / "nginx-temp"
    temp.mkdir()
    log_format = f"    log_format timed '{access_format}';\n" if access_format else ""
    access_log = f"{logs}/nginx-access.log" + (" timed" if access_format else "")
    return (
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {logs}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{log_format}    access_log {access_log};
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp}/site.conf;
}}
"""
    )


@contextmanager
def production_stack(
    tmp: Path,
    *,
    prepare: Callable[[dict[str, str]], dict[str, Any]],
    postgres: str,
    redis_url: str,
    database: str,
    workers: int | None = 2,
    access_format: str = "",
    gunicorn_format: str = "",
    manage_timeout: float = 180,
    ready_seconds: float = 60,
) -> Iterator[Stack]:
    """Start the stack in ``tmp`` on a new PostgreSQL database ``database`` at the server ``postgres`` (dropped
    at the end) and Redis at ``redis_url`` (its keys under a fresh prefix, deleted at the end).

    ``prepare(env)`` runs after the migrations, with the production environment of the stack, and returns the
    data the caller needs (``stack.data``); ``workers`` gunicorn workers (None: deploy/gunicorn.conf.py's
    default); ``access_format``: nginx's access log format (nginx's own when empty); ``gunicorn_format``: when
    given, gunicorn also writes an access log (``logs/gunicorn-access.log``) in that format; ``ready_seconds``: how long
    the stack may take to answer its health check once started. Raises StackMissing when
    nginx, Redis or PostgreSQL is not there, StackFailed when a part does not start.
    """
    import psycopg
    import redis

    if not Path(NGINX).exists():
        raise StackMissing(f"nginx is not installed at {NGINX} (scripts/setup.sh installs it)")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        raise StackMissing(
            f"Redis is not reachable at {redis_url} (scripts/setup.sh installs redis-server)"
        ) from None
    try:
        admin = psycopg.connect(conninfo(postgres), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        raise StackMissing(f"PostgreSQL is not reachable at {postgres}") from None

    tmp.chmod(0o755)  # nginx's workers read the static files and the configuration
    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')  # a name of our own, no user input
    admin.execute(f'CREATE DATABASE "{database}"')
    prefix = f"stack-{os.getpid()}-{secrets.token_hex(4)}"
    port, upstream = port_free(), port_free()
    (tmp / "logs").mkdir()
    stack = Stack(
        url=f"https://127.0.0.1:{port}",
        database=conninfo(postgres, database),
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
        DATABASE_URL=conninfo(postgres, database).replace("postgresql://", "postgres://", 1),
        BOTTOMLINE_FIELD_KEYS="s1:" + base64.b64encode(secrets.token_bytes(16)).decode(),
        BOTTOMLINE_BLIND_INDEX_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        BOTTOMLINE_AUDIT_CHAIN_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        BOTTOMLINE_REDIS_URL=redis_url,
        BOTTOMLINE_CACHE_PREFIX=prefix,
        BOTTOMLINE_TRUSTED_PROXIES="127.0.0.1",
        BOTTOMLINE_VAR_DIR=str(tmp / "var"),
        BOTTOMLINE_STATIC_ROOT=str(stack.static_root),
        BOTTOMLINE_JOBS_HEARTBEAT_SECONDS="1",
        GUNICORN_BIND=f"127.0.0.1:{upstream}",
    )
    if workers is not None:
        env["GUNICORN_WORKERS"] = str(workers)
    stack.env = env
    try:
        # collectstatic needs no database: it runs beside migrate and the data's set-up.
        collect = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        manage(env, "migrate", "--no-input", "-v", "0", timeout=manage_timeout)
        stack.data = prepare(env)

        output = collect.communicate(timeout=manage_timeout)[0]
        if collect.returncode != 0:
            raise StackFailed(f"collectstatic: {output.decode()}")
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
                "listen 80;": f"listen 127.0.0.1:{port_free()};",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
                "/etc/bottomline/tls/bottomline.crt": str(tmp / "tls.crt"),
                "/etc/bottomline/tls/bottomline.key": str(tmp / "tls.key"),
                "/var/lib/bottomline/static/": f"{stack.static_root}/",
                "/etc/nginx/bottomline-proxy.conf": str(tmp / "proxy.conf"),
            },
        )
        (tmp / "site.conf").write_text(site)
        (tmp / "nginx.conf").write_text(_nginx_conf(tmp, stack.logs, access_format))
        gunicorn_log = (
            [
                "--access-logfile",
                str(stack.logs / "gunicorn-access.log"),
                "--access-logformat",
                gunicorn_format,
            ]
            if gunicorn_format
            else []
        )
        _start(stack, "gunicorn", [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                   *gunicorn_log, "bottomline.wsgi:application"], env)  # fmt: skip
        _start(stack, "worker", [sys.executable, "manage.py", "jobs_worker", "--interval", "0.2"], env)
        _start(stack, "nginx", [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e",
                                str(stack.logs / "nginx-start.log")], env)  # fmt: skip
        _wait_until_healthy(stack, tmp / "tls.crt", ready_seconds)
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
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        store = redis.Redis.from_url(redis_url)
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)


def _wait_until_healthy(stack: Stack, ca: Path, seconds: float) -> None:
    import requests

    deadline, last = time.monotonic() + seconds, ""
    while time.monotonic() < deadline:
        for process in stack.processes:
            if process.poll() is not None:
                raise StackFailed(f"a process of the stack stopped ({process.args!r}):\n{stack.logs_tail()}")
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
    raise StackFailed(f"the stack did not become healthy: {last}\n{stack.logs_tail()}")


def shell_json(env: dict[str, str], code: str, *, timeout: float = 180) -> dict[str, Any]:
    """Run ``manage.py shell -c code`` and read the JSON object its last line prints."""
    data: dict[str, Any] = json.loads(manage(env, "shell", "-c", code, timeout=timeout).splitlines()[-1])
    return data
