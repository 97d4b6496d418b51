"""Reads for the region tree, always inside the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest

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


def region_get(*, viewer: User, code: str, request: HttpRequest | None = None) -> Region:
    """One region inside the viewer's scope (404 otherwise; the refusal audited with the request when given)."""
    return gate.access(Region.objects.all(), viewer, request=request, code=code)


def region_path(*, viewer: User, region: Region) -> list[Region]:
    """The region and those of its ancestors the viewer may see, top first, in one query."""
    return list(
        gate.restrict(Region.objects.filter(code__in=ancestor_codes(region)), viewer).order_by("level")
    )


@dataclass(frozen=True)
class RegionChoice:
    """What a region typed by name or code found inside the viewer's scope: one region, or the candidates."""

    text: str
    region: Region | None
    candidates: list[Region]


CANDIDATES_SHOWN = 10


def region_asked(*, viewer: User, code: str) -> Region:
    """The region a list's ``?region=`` names (a 12-digit code inside the viewer's scope), else the viewer's own."""
    if code.isascii() and code.isdigit() and len(code) == CODE_LENGTH:
        found = gate.restrict(Region.objects.filter(code=code), viewer).first()
        if found is not None:
            return found
    return viewer.region


def region_named(*, viewer: User, code: str, request: HttpRequest | None = None) -> Region:
    """The region an API call names by code: one of the viewer's (404 outside, the refusal audited with the
    request), or the viewer's own when none is named. (A page's list falls back instead: ``region_asked``.)"""
    return region_get(viewer=viewer, code=code, request=request) if code else viewer.region


def region_choose(*, viewer: User, text: str) -> RegionChoice:
    """The region of the viewer's scope that ``text`` names: a 12-digit code, a name, or part of one (an exact
    name first: "永丰村" is not also every "永丰村二组"). None with the candidates when it names none or several."""
    text = text.strip()
    regions = gate.restrict(Region.objects.all(), viewer)
    if text.isascii() and text.isdigit() and len(text) == CODE_LENGTH:
        found = list(regions.filter(code=text)[:1])
    else:
        current = regions.filter(valid_to__isnull=True)
        found = list(current.filter(name=text).order_by("level", "code")[: CANDIDATES_SHOWN + 1]) or list(
            current.filter(name__contains=text).order_by("level", "code")[: CANDIDATES_SHOWN + 1]
        )
    if len(found) == 1:
        return RegionChoice(text, found[0], [])
    return RegionChoice(text, None, found)
