"""The production stack on loopback, driven through nginx (issue #17): nginx with TLS and the repository's own
site configuration (deploy/nginx/), gunicorn with deploy/gunicorn.conf.py, Redis, a job worker, and a PostgreSQL
database of its own, all in production mode with generated secrets.

The client connects from 127.0.0.5 and sends a forged X-Forwarded-For; nginx passes the address it saw on to
gunicorn, which it reaches from 127.0.0.1 (BOTTOMLINE_TRUSTED_PROXIES): the app must record 127.0.0.5.

Marked ``production``: scripts/test.sh runs it once, after the SQLite and PostgreSQL runs. Without nginx, Redis or
PostgreSQL it is skipped, and under CI=true a skip fails the run (conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bottomline.web.stack import Stack, StackFailed, StackMissing, production_stack, shell_json

pytestmark = pytest.mark.production

CLIENT = "127.0.0.5"  # where the test's requests come from, as nginx sees them
FORGED = "203.0.113.7"  # what a client writes into X-Forwarded-For itself: never believed
PG_URL = os.environ.get("BOTTOMLINE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BOTTOMLINE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _missing(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    def prepare(env: dict[str, str]) -> dict[str, Any]:
        return shell_json(env, "from bottomline.web.tests.production_setup import main; main()")

    try:
        with production_stack(
            tmp_path_factory.mktemp("production"),
            prepare=prepare,
            postgres=PG_URL,
            redis_url=REDIS_URL,
            database=f"bottomline_smoke_{os.getpid()}",
            workers=2,
        ) as running:
            yield running
    except StackMissing as missing:
        _missing(str(missing))
    except StackFailed as failed:
        pytest.fail(str(failed))


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
