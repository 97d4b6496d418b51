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


# The Debian package of each program outside the checkout that a unit runs (Exec…=): a minimal Debian 12
# (debootstrap's minbase, a cloud image) has the essential packages only.
PROGRAM_PACKAGE = {"/bin/kill": "procps", "/usr/bin/find": "findutils", "/bin/sh": "dash"}
ESSENTIAL = {"findutils", "coreutils", "util-linux", "bash", "dash"}


def test_every_program_a_unit_runs_is_installed_by_the_script() -> None:
    """Found on a fresh Debian 12 (a booted systemd-nspawn container from debootstrap's minbase): the reload of
    bottomline-web ran /bin/kill, which no package the install script named had brought."""
    script = (ROOT / "scripts/install-production.sh").read_text()
    named = re.search(r"packages=\(([^)]*)\)", script).group(1).split()  # type: ignore[union-attr]
    for unit in sorted(UNITS.glob("*.service")):
        for program in re.findall(r"^Exec\w*=[-@:+!]*(/\S+)", unit.read_text(), re.MULTILINE):
            if program.startswith("/srv/bottomline/"):
                continue
            assert program in PROGRAM_PACKAGE, f"{unit.name}: which package brings {program}?"
            package = PROGRAM_PACKAGE[program]
            assert package in ESSENTIAL or package in named, f"{unit.name}: {program} needs {package}"


def test_batch_work_yields_the_processors_to_the_web() -> None:
    """W6 while W1 ran (2026-12-07): screenings one after another beside the load stalled every request for 7 s
    while five gunicorn workers and the screening shared two cores at one priority. Job workers and timer runs
    run niced, the web not."""
    for unit in sorted(UNITS.glob("*.service")):
        nice = re.search(r"^Nice=(\d+)$", unit.read_text(), re.MULTILINE)
        if unit.name == "bottomline-web.service":
            assert nice is None
        else:
            assert nice is not None and int(nice.group(1)) >= 10, unit.name
