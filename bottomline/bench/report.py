"""What every benchmark shares: the header (commit, versions, CPUs, the process tree's peak memory), the checks
of its targets that make `make bench` fail on a miss, and appending to the doc."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import threading
from dataclasses import dataclass
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


def _tree_rss() -> int:
    """Resident bytes of this process and every descendant, read from /proc."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    # the command name, in brackets, may hold spaces: fields are counted after its end
                    parents[int(entry.name)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # the process ended while being read
    tree, grew = {os.getpid()}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * resource.getpagesize()
        except (OSError, IndexError, ValueError):
            continue
    return total


class TreePeak:
    """Samples the resident memory of the whole process tree (the benchmark and the children it starts: import
    workers, database servers' clients, Spark's JVM) four times a second and keeps the peak."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss())
            self._stop.wait(0.25)

    def reset(self) -> None:
        """Start a new peak (between benchmarks)."""
        self.peak = _tree_rss()


_PEAK: TreePeak | None = None


def peak_rss_mib() -> float:
    """Peak resident memory of the process tree since the benchmark began (this process alone where /proc
    is missing), in MiB."""
    global _PEAK  # one sampler per benchmark process, started on first use
    if _PEAK is None and os.path.isdir("/proc"):
        _PEAK = TreePeak()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return max(own, children, _PEAK.peak if _PEAK else 0) / 2**20


def peak_reset() -> None:
    """Start measuring the peak anew (the runner calls it before each benchmark)."""
    peak_rss_mib()
    if _PEAK is not None:
        _PEAK.reset()


@dataclass(frozen=True)
class Check:
    """One target of one benchmark, the figure measured against it, and whether it was met."""

    benchmark: str
    target: str
    figure: str
    met: bool


CHECKS: list[Check] = []


def check(benchmark: str, target: str, figure: str, met: bool) -> str:
    """Record a target's verdict for the closing table (a miss makes `make bench` exit non-zero); returns the
    verdict's word for the benchmark's own lines."""
    CHECKS.append(Check(benchmark, target, figure, met))
    return "met" if met else "**missed**"


def checks_table(checks: list[Check]) -> list[str]:
    """The closing table: every target, its figure, met or missed."""
    return [
        "| benchmark | target | figure | met |",
        "|---|---|---|---|",
        *(f"| {c.benchmark} | {c.target} | {c.figure} | {'yes' if c.met else '**no**'} |" for c in checks),
    ]


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
