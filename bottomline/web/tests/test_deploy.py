"""Production mode: refuses to start without its secrets, and passes `check --deploy` with no warnings."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOTTOMLINE_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        BOTTOMLINE_ENV="production",
        BOTTOMLINE_SECRET_KEY=secrets.token_urlsafe(64),
        BOTTOMLINE_ALLOWED_HOSTS="bottomline.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path}/production.sqlite3",
        BOTTOMLINE_FIELD_KEYS="p1:" + base64.b64encode(secrets.token_bytes(16)).decode(),
        BOTTOMLINE_BLIND_INDEX_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        BOTTOMLINE_AUDIT_CHAIN_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_has_no_warnings(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "missing",
    [("BOTTOMLINE_SECRET_KEY",), ("BOTTOMLINE_FIELD_KEYS", "BOTTOMLINE_BLIND_INDEX_KEY", "DATABASE_URL")],
)
def test_missing_secrets_are_named(tmp_path: Path, missing: tuple[str, ...]) -> None:
    env = production_env(tmp_path)
    for name in missing:
        del env[name]
    result = manage(env, "check")
    assert result.returncode != 0
    assert (
        "BOTTOMLINE_ENV=production needs these environment variables: "
        + ", ".join(
            n
            for n in (
                "BOTTOMLINE_SECRET_KEY",
                "BOTTOMLINE_ALLOWED_HOSTS",
                "DATABASE_URL",
                "BOTTOMLINE_FIELD_KEYS",
                "BOTTOMLINE_BLIND_INDEX_KEY",
            )
            if n in missing
        )
        in result.stderr
    )


def test_production_turns_on_the_second_factor_and_secure_cookies(tmp_path: Path) -> None:
    result = manage(
        production_env(tmp_path),
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.REQUIRE_MFA, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG, s.SECURE_HSTS_SECONDS)",
    )
    assert result.stdout.split() == ["True", "True", "True", "False", "31536000"], result.stderr


@pytest.mark.parametrize("url", ["sqlite:///srv/b l/x.sqlite3", "sqlite:////srv/b%20l/x.sqlite3"])
def test_a_sqlite_url_names_an_absolute_path_with_one_leading_slash(url: str) -> None:
    from bottomline.settings import database_from_url

    assert database_from_url(url)["NAME"] == Path("/srv/b l/x.sqlite3")


# The development secrets published in settings.py: production must refuse each, however it is spelled.
DEV_SECRET = "dev-only-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"
DEV_FIELD_KEY = "ZGV2LWtleS1vbmx5LTAwMQ=="
DEV_INDEX_KEY = "ZGV2LWJsaW5kLWluZGV4LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOTTOMLINE_SECRET_KEY", DEV_SECRET),
        ("BOTTOMLINE_FIELD_KEYS", f"dev1:{DEV_FIELD_KEY}"),
        # under another id and beside a real key: the bytes are what is published
        (
            "BOTTOMLINE_FIELD_KEYS",
            f"old:{DEV_FIELD_KEY},p1:" + base64.b64encode(bytes(range(16))).decode(),
        ),
        ("BOTTOMLINE_BLIND_INDEX_KEY", DEV_INDEX_KEY),
    ],
)
def test_check_deploy_refuses_the_development_secrets(tmp_path: Path, variable: str, value: str) -> None:
    result = manage(production_env(tmp_path, **{variable: value}), "check", "--deploy")
    assert result.returncode != 0
    assert variable in result.stderr
    assert "development" in result.stderr


@pytest.mark.parametrize("command", ["demo_users", "demo_cases"])
def test_demo_commands_refuse_to_run_in_production(tmp_path: Path, command: str) -> None:
    result = manage(production_env(tmp_path), command)
    assert result.returncode != 0
    assert f"{command} makes demo data and logins with a published password" in result.stderr
    assert "Demo logins" not in result.stdout
