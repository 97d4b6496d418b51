"""A finished job's result as a person reads it: labelled lines in the reader's language, with links to what the
job made (a feed load, a screening run, a proposal), and its errors as a list, never the raw result keys.

The result itself stays a plain dict (the API returns it as it is). Every key any kind writes has its label here;
an app whose values need more than a label (a link, a name from its own catalogue) registers a describer for its
kind and key when it loads (``result_describer``), as it registers its handler: the jobs app imports no app above
it. A key without a label is left out of the page rather than shown raw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, pgettext

from bottomline.jobs.models import Job


@dataclass(frozen=True)
class Line:
    """One line of a result: what it counts, the value, and where to see it (a link) if anywhere."""

    label: str
    value: str
    url: str = ""


@dataclass(frozen=True)
class Problem:
    """One error of a result: where (a row and column, or a case) and what."""

    where: str
    column: str
    message: str
    url: str = ""


# The keys of every kind's result, labelled once (the same key means the same thing in each kind).
LABELS: dict[str, Promise] = {
    "rows": gettext_lazy("Rows read"),
    "households_created": gettext_lazy("Households created"),
    "members_created": gettext_lazy("Members created"),
    "incomes_created": gettext_lazy("Income records created"),
    "incomes_replaced": gettext_lazy("Income records replaced"),
    "months_created": gettext_lazy("Station months created"),
    "months_replaced": gettext_lazy("Station months replaced"),
    "linkages_created": gettext_lazy("Benefit linkages created"),
    "linkages_replaced": gettext_lazy("Benefit linkages replaced"),
    "jobs_created": gettext_lazy("Jobs created"),
    "jobs_replaced": gettext_lazy("Jobs updated"),
    "cases_created": gettext_lazy("Cases created"),
    "cases_eliminated": gettext_lazy("Cases with risk eliminated"),
    "unchanged": gettext_lazy("Unchanged"),
    "created": gettext_lazy("Regions created"),
    "updated": gettext_lazy("Regions updated"),
    "merged": gettext_lazy("Regions merged into the one above"),
    "reencrypted": gettext_lazy("Values encrypted again"),
    "run": gettext_lazy("Screening run"),
    "engine": gettext_lazy("Engine"),
    "incremental": gettext_lazy("Only the households that changed"),
    "households": gettext_lazy("Households"),
    "members": gettext_lazy("Members"),
    "skipped": gettext_lazy("Counties skipped (already have households)"),
    "flagged": gettext_lazy("Households flagged"),
    "leads": gettext_lazy("Leads opened"),
    "seconds": gettext_lazy("Seconds taken"),
    "proposal": gettext_lazy("Proposal"),
    "entering": gettext_lazy("Households entering monitoring"),
    "leaving": gettext_lazy("Households leaving monitoring"),
    "feed_type": gettext_lazy("Feed"),
    "committed": gettext_lazy("Written to the archive"),
    "applied": gettext_lazy("Rows applied"),
    "unmatched": gettext_lazy("Rows matching no one in the archive"),
    "batch": gettext_lazy("Feed load"),
    "done": gettext_lazy("Cases moved on"),
    "error_count": gettext_lazy("Problems"),
}

# Shown otherwise: the download button, the error list, the columns not read.
NOT_LINES = frozenset({"download", "file_name", "errors", "failed", "unknown_columns"})

Describer = Callable[[Any], Line | None]
DESCRIBERS: dict[tuple[str, str], Describer] = {}


def result_describer(kind: str, key: str) -> Callable[[Describer], Describer]:
    """Register how a kind's result shows one key (a link to what the job made, a name from a catalogue)."""

    def register(describer: Describer) -> Describer:
        DESCRIBERS[(kind, key)] = describer
        return describer

    return register


def result_value(value: Any) -> str:
    """A value as text in the reader's language: yes or no, a count for a list, numbers as they are."""
    if isinstance(value, bool):
        return pgettext("boolean", "yes") if value else pgettext("boolean", "no")
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple | set | dict):
        return str(len(value))
    return str(value)


def result_lines(job: Job) -> list[Line]:
    """The labelled lines of a job's result, in the order the job wrote them."""
    lines: list[Line] = []
    for key, value in (job.result or {}).items():
        if key in NOT_LINES or (key == "error_count" and not value):
            continue
        describer = DESCRIBERS.get((job.kind, key))
        if describer is not None:
            line = describer(value)
            if line is not None:
                lines.append(line)
            continue
        label = LABELS.get(key)
        if label is not None:
            lines.append(Line(str(label), result_value(value)))
    return lines


def result_problems(job: Job) -> list[Problem]:
    """A job's errors: rows of a file (row, column, message), or items it could not handle (id: reason)."""
    result = job.result or {}
    problems = [
        Problem(str(row), str(column), str(message)) for row, column, message in result.get("errors") or []
    ]
    describer = DESCRIBERS.get((job.kind, "failed"))
    for item, reason in (result.get("failed") or {}).items():
        line = describer(item) if describer is not None else None
        problems.append(Problem(line.value if line else str(item), "", str(reason), line.url if line else ""))
    return problems
