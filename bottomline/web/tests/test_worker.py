"""A web worker settles before its first request: what its start-up made is moved out of the collector's reach
(``bottomline.wsgi`` and the pages benchmark call the same function)."""

from __future__ import annotations

import gc

from bottomline.web.worker import worker_settle


def test_a_settled_worker_keeps_its_start_up_out_of_the_collectors_reach() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        worker_settle()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
