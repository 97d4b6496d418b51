"""Reads for the region tree, always inside the viewer's scope."""

from __future__ import annotations

from django.db.models import QuerySet

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.regions.models import CODE_LENGTH, PREFIX_LENGTH, Level, Region


def ancestor_codes(region: Region) -> list[str]:
    """The region's code and those of the regions above it."""
    return [
        region.code[: PREFIX_LENGTH[level]].ljust(CODE_LENGTH, "0")
        for level in Level
        if level <= region.level
    ]


def region_children(*, viewer: User, parent: Region | None = None) -> QuerySet[Region]:
    """The regions directly below ``parent`` (by default, the viewer's own region) that the viewer may see."""
    parent = parent or viewer.region
    return gate.restrict(Region.objects.filter(parent=parent, valid_to__isnull=True), viewer)


def region_get(*, viewer: User, code: str) -> Region:
    """One region inside the viewer's scope (404 otherwise)."""
    return gate.access(Region.objects.all(), viewer, code=code)


def region_path(*, viewer: User, region: Region) -> list[Region]:
    """The region and those of its ancestors the viewer may see, top first, in one query."""
    return list(
        gate.restrict(Region.objects.filter(code__in=ancestor_codes(region)), viewer).order_by("level")
    )
