"""The built package carries what the site needs besides code (issue #17): every template, static file,
translation (the catalogue and its compiled .mo) and data file of the source tree is in the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "bottomline"


def _files(folder: str, pattern: str = "*") -> set[str]:
    """The files of the source tree under ``bottomline/<folder>``, as wheel paths."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in (PACKAGE / folder).rglob(pattern)
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_the_wheel_carries_templates_static_translations_and_data(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copytree(PACKAGE, source / "bottomline", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(  # noqa: S603  (this interpreter's pip, fixed arguments)
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(tmp_path / "out"),
            ".",
        ],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "out").glob("bottomline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "templates": _files("templates"),
        "static": _files("static"),
        "translations": _files("locale", "*.po") | _files("locale", "*.mo"),
        "data": {f for f in _files(".") if "/data/" in f},
    }
    assert {f for f in expected["translations"] if f.endswith(".mo")}, "no .mo: run manage.py compilemessages"
    for what, files in expected.items():
        assert files, what
        assert not files - names, f"{what} missing from the wheel: {sorted(files - names)[:5]}"
    assert "bottomline/templates/base.html" in names and "bottomline/policy/data/parameters.csv" in names
    assert "bottomline/wsgi.py" in names
