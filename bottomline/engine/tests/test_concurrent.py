"""A screening run while another process serves pages leaves the database whole: ADBC's own SQLite opened on
the live file in the same process as Django's dropped Django's file locks when it closed, so the web server
took itself for the last connection, checkpointed and deleted the WAL under the screening, whose later writes
other processes never saw, and concurrent writes then corrupted the file (issue #16)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from bottomline.jobs.progress import NullProgress
from bottomline.regions.models import Region
from bottomline.registry.synth import synth_county

ON = date(2026, 6, 30)

# The web server: its own process answering pages, each request writing its session and closing its database
# connection at the end, as runserver and gunicorn do (the test client alone keeps the connection open).
SERVER = """
import json, sys
from pathlib import Path
import django
django.setup()
from django.db import connection
from django.test import Client
from bottomline.accounts.models import User
stop, username, url = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
client = Client()
client.force_login(User.objects.get(username=username))
statuses = []
while not stop.exists() or len(statuses) < 20:
    statuses.append(client.get(url).status_code)
    connection.close()
    if len(statuses) == 1:
        print("ready", flush=True)
print(json.dumps(statuses), flush=True)
"""

# Another process reading what this one wrote, through Django as the web server would.
READER = """
import django
django.setup()
from bottomline.regions.models import Region
print(Region.objects.get(code=__import__("sys").argv[1]).source)
"""


def _env() -> dict[str, str]:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{Path(settings['NAME']).absolute()}"
    else:
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        port = f":{settings['PORT']}" if settings["PORT"] else ""
        url = f"postgres://{auth}@{settings['HOST'] or 'localhost'}{port}/{settings['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bottomline.settings",
        "BOTTOMLINE_ENV": "test",
    }


@pytest.mark.django_db(transaction=True)
def test_a_screening_while_pages_are_served_leaves_the_database_whole(
    tree: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    synth_county(county=tree.county, seed=3, on=ON, lifted=300, progress=NullProgress())
    stop = tmp_path / "stop"
    server = subprocess.Popen(  # noqa: S603  (this interpreter, fixed script)
        [sys.executable, "-c", SERVER, str(stop), personas["county_officer"].username, "/jobs/"],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        for _ in range(2):  # as the nightly cron and the screening job do: the command, in this process
            call_command("screen", "--on", ON.isoformat(), "--region", tree.county.code)
        # This process goes on writing while the server answers: the other processes must see its writes.
        Region.objects.filter(pk=tree.village.pk).update(source="written after the screening")
        seen = subprocess.run(  # noqa: S603  (this interpreter, fixed script)
            [sys.executable, "-c", READER, tree.village.code],
            env=_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    finally:
        stop.touch()
        out, err = server.communicate(timeout=120)
    assert server.returncode == 0, err
    assert set(json.loads(out.strip().splitlines()[-1])) == {200}
    assert seen == "written after the screening"
    if connection.vendor == "sqlite":
        connection.close()
        with sqlite3.connect(connection.settings_dict["NAME"]) as check:
            assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
