"""The header every benchmark prints: commit, versions, CPUs, peak memory; and appending to the doc."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def git_sha() -> str:
    """The commit the benchmark ran on (with a + when the tree had changes)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607  (git from PATH, fixed arguments)
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607  (git from PATH)
            capture_output=True,
            text=True,
            check=False,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+" if dirty.stdout.strip() else "")


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def environment_line(database: str) -> str:
    """One line naming what the figures were measured on."""
    return (
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · commit {git_sha()} · Python {platform.python_version()} · "
        f"Django {version('django')} · {database} · {os.cpu_count()} CPUs · peak RSS {peak_rss_mib():.0f} MiB"
    )


def append(title: str, lines: list[str]) -> None:
    """Print the figures and append them under a heading to docs/benchmarks.md."""
    text = "\n".join([f"### {title}", "", *lines, ""])
    print(text)
    with DOC.open("a", encoding="utf-8") as doc:
        doc.write("\n" + text)
