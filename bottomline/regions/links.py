"""Links a region's page shows to work of higher apps about that region (a village's poster, say).

The regions app sits below the apps whose pages it links to, so it does not import them: each registers a
function at app ready, and the page asks them all. A function returns nothing for a user who may not follow
its link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django_stubs_ext import StrOrPromise

from bottomline.accounts.models import User
from bottomline.regions.models import Region


@dataclass(frozen=True)
class RegionLink:
    """A link on a region's page: its text, address, Bootstrap icon and element id."""

    label: StrOrPromise
    url: str
    icon: str
    id: str


LinkMaker = Callable[[User, Region], list[RegionLink]]
_MAKERS: list[LinkMaker] = []


def region_links_register(maker: LinkMaker) -> None:
    """Add a maker of links (once: a second registration of the same function is ignored)."""
    if maker not in _MAKERS:
        _MAKERS.append(maker)


def region_links(*, viewer: User, region: Region) -> list[RegionLink]:
    """The links every registered maker offers this viewer on this region's page."""
    return [link for maker in _MAKERS for link in maker(viewer, region)]
