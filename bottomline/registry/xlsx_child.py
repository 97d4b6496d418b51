"""The child process that parses one XLSX with calamine under a memory and CPU limit; no Django here.

Run as ``python -I xlsx_child.py PATH MEMORY_BYTES CPU_SECONDS``: it sets its own limits before calamine
allocates anything, then writes the first sheet's rows to stdout as one pickle, from the sheet's row 1 (the
empty rows above its first filled one as empty lists). A file calamine cannot read exits with UNREADABLE; a
file too large for the limits dies (calamine aborts on a failed allocation, which no handler can catch: that
is why this runs apart from the worker) or exits with TOO_LARGE.
"""

from __future__ import annotations

import pickle
import resource
import sys

UNREADABLE = 3
TOO_LARGE = 4


def main(argv: list[str]) -> int:
    """Parse the file named in ``argv`` and write its rows to stdout."""
    path, memory, seconds = argv[1], int(argv[2]), int(argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
        rows = sheet.to_python()
        # calamine starts at the first row holding a cell: the empty rows above are put back, so that a row's
        # index is its number in the spreadsheet less one (as the user sees it).
        if rows and sheet.start:
            rows[0:0] = [[] for _ in range(sheet.start[0])]
    except MemoryError:
        return TOO_LARGE
    except Exception:  # calamine raises its own error types for broken files
        return UNREADABLE
    try:
        pickler = pickle.Pickler(sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
        # No memo: rows hold no shared or cyclic objects, and keeping one costs 15 times the time of writing.
        pickler.fast = True
        pickler.dump(rows)
    except MemoryError:
        return TOO_LARGE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
