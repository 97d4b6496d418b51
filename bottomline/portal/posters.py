"""The A4 poster a village puts up: a call to declare hardship, in both languages, with a QR code to the form.

A township prints its villages' posters at once: one PDF, one page per village, in the order of their codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from bottomline.portal.selectors import region_chain
from bottomline.regions.models import Region


def declare_url(*, base: str, village: Region) -> str:
    """The public form with this village filled in and fixed (what the QR code opens)."""
    return f"{base.rstrip('/')}{reverse('portal:declare')}?{urlencode({'v': village.code})}"


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (medium error correction: posters get creased and dirty)."""
    import segno  # here, not at start-up (issue #17)

    return str(segno.make(url, error="m", micro=False).svg_data_uri(scale=10, border=2))


@dataclass(frozen=True)
class Page:
    """One village's poster: its place above it, the form's address and that address as a QR code."""

    village: Region
    above: list[Region]
    url: str
    qr: str


def posters_pdf(pages: list[Page]) -> bytes:
    """The posters as one PDF, a page each, set in Noto Sans CJK SC."""
    html = render_to_string("portal/poster.html", {"pages": pages})
    from weasyprint import HTML  # type: ignore[import-untyped]  # no type hints; imported here, not at start-up

    return bytes(HTML(string=html).write_pdf())


def _base(base: str) -> str:
    return str(settings.PORTAL_BASE_URL or base)


def poster_for(*, village: Region, base: str) -> bytes:
    """The village's poster, its QR code to the form at PORTAL_BASE_URL when set, else at ``base`` (the site's
    root as the request reached it)."""
    return posters_for(villages=[village], above=region_chain(region=village)[:-1], base=base)


def posters_for(*, villages: list[Region], above: list[Region], base: str) -> bytes:
    """The posters of ``villages`` (all below the regions ``above``, top first) in one PDF, a page each."""
    pages = []
    for village in villages:
        url = declare_url(base=_base(base), village=village)
        pages.append(Page(village, above, url, qr_data_uri(url)))
    return posters_pdf(pages)
