"""A web process starts light (issue #17): loading the WSGI application and every URL module imports none of the
batch engine's libraries, Faker, Spark or WeasyPrint; they are imported inside the functions that use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bottomline.bench.webworker import HEAVY

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
import django
django.setup()
from bottomline.wsgi import application  # noqa: F401
from django.urls import get_resolver
get_resolver().reverse_dict
import bottomline.api  # the API's routers and schemas
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[1].split(","))))
"""


def test_web_start_up_imports_no_heavy_library() -> None:
    env = {**os.environ, "BOTTOMLINE_ENV": "test", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603  (this interpreter, fixed code)
        [sys.executable, "-c", PROBE, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    roots = sorted({m.split(".")[0] for m in loaded})
    assert roots == [], f"a web process imports {roots} at start-up"
