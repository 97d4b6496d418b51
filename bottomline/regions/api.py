"""API: the region tree inside the caller's scope."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.regions import selectors
from bottomline.regions.models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    """One region."""

    code: str
    name: str
    level: int
    parent_code: str | None


def _out(region: Region) -> RegionOut:
    return RegionOut(
        code=region.code,
        name=region.name,
        level=region.level,
        parent_code=region.parent.code if region.parent else None,
    )


@router.get("/{code}", response={200: RegionOut, **ERRORS})
def region_detail(request: HttpRequest, code: str) -> RegionOut:
    """One region in the caller's subtree."""
    return _out(selectors.region_get(viewer=gate.staff_of(request), code=code))


@router.get("/{code}/children", response={200: list[RegionOut], **ERRORS})
def region_children(request: HttpRequest, code: str) -> list[RegionOut]:
    """The regions directly below one region in the caller's subtree (for cascading pickers)."""
    user = gate.staff_of(request)
    parent = selectors.region_get(viewer=user, code=code)
    return [_out(r) for r in selectors.region_children(viewer=user, parent=parent).select_related("parent")]
