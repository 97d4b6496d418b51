"""Logging: one JSON object per line on stderr, and the short references that tie what a user sees to a log line.

Log an event with a short fixed message and its facts as ``extra`` (ids, kinds, counts, seconds, never names,
ID numbers or phones): ``logger.info("job finished", extra={"job": 12, "kind": "registry.import"})``. An
unexpected error gets ``error_reference()``: the user sees the reference, the log line has it and the
traceback. Configured in settings.LOGGING; docs/security.md.
"""

from __future__ import annotations

import datetime
import json
import logging
import secrets
from typing import Any

# The attributes every LogRecord has: anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def error_reference() -> str:
    """A short random reference for one unexpected error, e.g. ``E-7KQ2M9XA``."""
    return "E-" + "".join(secrets.choice(_REFERENCE_LETTERS) for _ in range(8))


class JsonFormatter(logging.Formatter):
    """One line of JSON per event: time, level, logger, event, the ``extra`` facts and the traceback if any.

    Only plain values from ``extra`` are written: an object (a request, a model) could carry personal data."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if isinstance(value, datetime.date | datetime.datetime):
                line[key] = value.isoformat()
            elif value is None or isinstance(value, str | int | float | bool):
                line[key] = value
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class SkipReferencedErrors(logging.Filter):
    """Django's own "Internal Server Error" line for a request whose error was already logged with its reference."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return not (getattr(record, "status_code", 0) >= 500 and hasattr(request, "error_reference"))
