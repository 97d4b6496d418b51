"""The portal's links on a region's page: the QR poster of a village, the posters of a township's villages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.portal.models import Declaration
from bottomline.regions.links import RegionLink
from bottomline.regions.models import Level, Region


def poster_link(region: Region) -> RegionLink | None:
    """The poster PDF of a village (one page) or of a township (a page per village); None for other levels."""
    url = reverse("portal:poster", kwargs={"code": region.code})
    if region.level == Level.VILLAGE:
        return RegionLink(_("Print the QR poster (PDF)"), url, "qr-code", "poster-link")
    if region.level == Level.TOWNSHIP:
        return RegionLink(
            _("Print the QR posters of all its villages (one PDF)"), url, "qr-code", "poster-link"
        )
    return None


def poster_links(viewer: User, region: Region) -> list[RegionLink]:
    """The poster link of the region's page, for the roles that print posters (the page checked the scope)."""
    if not gate.allowed(viewer, Declaration, "poster"):
        return []
    link = poster_link(region)
    return [link] if link else []
