"""What a web worker does once started, before its first request (``bottomline.wsgi``; the pages benchmark
does the same, so that it times pages as a worker serves them)."""

from __future__ import annotations

import gc


def worker_settle() -> None:
    """Move what the start-up made out of the collector's reach: it lives as long as the worker, and the full
    collections that walked it again took half their time there (4-5 % of a worker's CPU under W6) and, at a
    province's "as of a day" figures, added 100 ms to every fifth request or so."""
    gc.collect()
    gc.freeze()
