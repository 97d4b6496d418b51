"""deploy/: the nginx site agrees with the app's limits and proxy setting; the systemd units run real commands."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[3]
SITE = (ROOT / "deploy/nginx/bottomline.conf").read_text()
PROXY = (ROOT / "deploy/nginx/bottomline-proxy.conf").read_text()
UNITS = ROOT / "deploy/systemd"


def _size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", text).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_nginx_takes_the_largest_upload_the_app_takes_and_little_more() -> None:
    from bottomline.feeds.forms import UPLOAD_LIMIT as FEED_LIMIT
    from bottomline.jobs.services import UPLOAD_LIMIT as IMPORT_LIMIT

    limit = _size(re.search(r"client_max_body_size (\S+);", SITE).group(1))  # type: ignore[union-attr]
    largest = max(FEED_LIMIT, IMPORT_LIMIT, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    assert largest < limit <= largest + 4 * 1024**2  # the file plus its multipart framing


def test_nginx_replaces_the_forwarded_address_and_hides_its_version() -> None:
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in PROXY  # not $proxy_add_x_forwarded_for
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in PROXY
    assert "server_tokens off;" in SITE
    # Rate limits on the sign-in page and the public portal.
    assert re.search(r"location = /account/login/ \{\s*limit_req zone=bottomline_login", SITE)
    assert re.search(r"location /declare/ \{\s*limit_req zone=bottomline_portal", SITE)
    # The static files nginx serves are where collectstatic puts them by default (VAR_DIR/static).
    assert "alias /var/lib/bottomline/static/;" in SITE


def test_every_unit_runs_a_command_that_exists() -> None:
    commands = get_commands()
    units = sorted(UNITS.glob("*.service"))
    assert {u.name for u in units} >= {
        "bottomline-web.service",
        "bottomline-worker@.service",
        "bottomline-screen-incremental.service",
        "bottomline-screen-full.service",
        "bottomline-figures.service",
    }
    for unit in units:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/bottomline/bottomline.env" in text and "User=bottomline" in text, unit
        for name in re.findall(r"manage\.py (\w+)", text):
            assert name in commands, f"{unit.name}: manage.py {name}"
        timer = unit.with_suffix(".timer")
        if "Type=oneshot" in text:
            assert timer.exists() and "OnCalendar=" in timer.read_text(), unit.name
