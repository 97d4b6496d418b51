"""Reading an uploaded XLSX without letting a crafted file take the worker down.

A 1.6 KB workbook that declares the sheet A1:XFD1048576 makes calamine ask for 512 GiB and abort the process
(SIGABRT, which no handler catches); a small deflate bomb unpacks to gigabytes. So the archive's unpacked sizes
and every sheet's declared dimension are checked first, and calamine then runs in a child process
(``xlsx_child.py``) with a memory and CPU limit: whatever slips past the checks kills the child, not the
caller. A refused file is a ``SpreadsheetRefused`` with a message for the user. Limits in settings
(``SPREADSHEET_*``); docs/security.md.
"""

from __future__ import annotations

import datetime
import logging
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.utils.translation import gettext as _

from bottomline.registry import xlsx_child

logger = logging.getLogger(__name__)

# The dimension is near the top of a sheet's XML, before its data: this much of each part is read to find it.
HEAD_BYTES = 64 * 1024
MAX_PARTS = 10_000
RATIO_FLOOR = 100 * 2**20  # below this, how much a workbook grows does not matter
DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?\""
)


class SpreadsheetRefused(ValueError):
    """The workbook cannot be read, or is larger than reading it safely allows; the message is for the user."""


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _area(match: re.Match[bytes]) -> int:
    """Cells of a dimension such as A1:XFD1048576 (or a single cell)."""
    first_col, first_row = _column(match.group(1)), int(match.group(2))
    if match.group(3) is None:
        return 1
    last_col, last_row = _column(match.group(3)), int(match.group(4))
    return (abs(last_col - first_col) + 1) * (abs(last_row - first_row) + 1)


def xlsx_check(path: Path) -> None:
    """Refuse a workbook whose parts unpack to too much or whose sheets declare too many cells."""
    max_unzipped, max_ratio = settings.SPREADSHEET_MAX_UNZIPPED, settings.SPREADSHEET_MAX_RATIO
    max_cells = settings.SPREADSHEET_MAX_CELLS
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise SpreadsheetRefused(_("The workbook has too many parts to be a spreadsheet."))
            unzipped = sum(part.file_size for part in parts)
            if unzipped > max_unzipped:
                logger.warning("xlsx refused", extra={"reason": "unzipped", "bytes": unzipped})
                raise SpreadsheetRefused(
                    _("The workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed.")
                    % {"size": unzipped // 2**20, "limit": max_unzipped // 2**20}
                )
            # A workbook, even of a million rows, unpacks to some 5 to 20 times its size; a bomb to a thousand.
            if unzipped > RATIO_FLOOR and unzipped > max_ratio * path.stat().st_size:
                logger.warning("xlsx refused", extra={"reason": "ratio", "bytes": unzipped})
                raise SpreadsheetRefused(
                    _("The workbook unpacks to %(size)s MB, over %(ratio)s times its size.")
                    % {"size": unzipped // 2**20, "ratio": max_ratio}
                )
            for part in parts:  # every part: a sheet may be stored under any name the relationships give
                with archive.open(part) as stream:
                    found = DIMENSION.search(stream.read(HEAD_BYTES))
                cells = _area(found) if found is not None else 0
                if cells > max_cells:
                    logger.warning("xlsx refused", extra={"reason": "dimension", "cells": cells})
                    raise SpreadsheetRefused(
                        _("The sheet declares %(cells)s cells, more than the %(limit)s allowed.")
                        % {"cells": f"{cells:,}", "limit": f"{max_cells:,}"}
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise SpreadsheetRefused(_("The file is not a readable XLSX workbook.")) from exc


class _Rows(pickle.Unpickler):
    """The child's answer holds only lists and plain values: no other class may be loaded from it."""

    ALLOWED = {("datetime", n) for n in ("date", "datetime", "time", "timedelta")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def xlsx_rows(path: Path) -> list[list[object]]:
    """The first sheet's rows from its row 1 (the index of a row is its number less one), cells keeping their
    type, read safely (see the module's docstring)."""
    xlsx_check(path)
    memory = settings.SPREADSHEET_MEMORY_LIMIT
    seconds = settings.SPREADSHEET_CPU_SECONDS
    command = [sys.executable, "-I", xlsx_child.__file__, str(path), str(memory), str(seconds)]
    # The rows are unpickled as they arrive, never held twice as bytes. The child gets no environment (the
    # keys are there) and no stderr (calamine's abort prints a many-line backtrace: the log line below says it).
    with subprocess.Popen(  # noqa: S603  (our own script, the path as one argument, no shell)
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env={}
    ) as child:
        stdout = cast(IO[bytes], child.stdout)
        try:
            rows: Any = _Rows(stdout).load()
        except (EOFError, pickle.UnpicklingError, MemoryError, ValueError):
            rows = None
        stdout.close()
        code = child.wait()
    if code == 0 and isinstance(rows, list):
        return rows
    logger.warning("xlsx refused", extra={"reason": "child", "exit_code": code})
    if code == xlsx_child.UNREADABLE:
        raise SpreadsheetRefused(_("The file is not a readable XLSX workbook."))
    raise SpreadsheetRefused(
        _("The workbook is too large to read safely: save it again from a spreadsheet program, or split it.")
    )
