"""The parameter cache is shared by every process through Redis: a change saved in one process is seen at once
by the others (before, each process kept its own copy for up to a minute)."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F

from bottomline.policy.models import Parameter
from bottomline.policy.selectors import parameters_cached

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("BOTTOMLINE_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_cache(settings: Any) -> Any:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        message = f"Redis is not reachable at {REDIS_URL} (scripts/setup.sh starts it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    prefix = f"test-{os.getpid()}-{secrets.token_hex(4)}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield prefix
    # (RedisCache.clear would flush the whole Redis database: this prefix's keys only.)
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(f"{prefix}:*"):
        store.delete(key)


@pytest.mark.django_db
def test_a_change_forgotten_in_another_process_is_seen_at_once(tree: Any, redis_cache: str) -> None:
    call_command("policy_seed", stdout=io.StringIO())
    on = date(2026, 6, 1)
    before = parameters_cached(village_id=tree.village.pk, on=on)
    # Written as by another process (an update fires no signal here).
    Parameter.objects.filter(name="monitoring_line").update(value=F("value") + 1000)
    # That process's save signal forgets the parameters there (policy.apps): run it in a process of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOTTOMLINE_", "DATABASE_URL"))}
    env.update(BOTTOMLINE_ENV="test", BOTTOMLINE_REDIS_URL=REDIS_URL, BOTTOMLINE_CACHE_PREFIX=redis_cache)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from bottomline.policy.selectors import parameters_forget; parameters_forget()",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bottomline.settings"},
        check=True,
        timeout=120,
    )
    after = parameters_cached(village_id=tree.village.pk, on=on)
    assert after["monitoring_line"] == before["monitoring_line"] + 1000


@pytest.mark.django_db
def test_without_a_working_cache_the_database_answers(tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    call_command("policy_seed", stdout=io.StringIO())

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "get", down)
    assert parameters_cached(village_id=tree.village.pk, on=date(2026, 6, 1))["monitoring_line"] > 0
