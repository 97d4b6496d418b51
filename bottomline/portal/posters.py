"""The A4 poster a village puts up: a call to declare hardship, in both languages, with a QR code to the form."""

from __future__ import annotations

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


def poster_pdf(*, village: Region, chain: list[Region], url: str) -> bytes:
    """The poster as PDF bytes, set in Noto Sans CJK SC."""
    html = render_to_string(
        "portal/poster.html",
        {"village": village, "chain": chain, "url": url, "qr": qr_data_uri(url)},
    )
    from weasyprint import HTML  # type: ignore[import-untyped]  # no type hints; imported here, not at start-up

    return bytes(HTML(string=html).write_pdf())


def poster_for(*, village: Region, base: str) -> bytes:
    """The village's poster, its QR code to the form at PORTAL_BASE_URL when set, else at ``base`` (the site's
    root as the request reached it)."""
    url = declare_url(base=settings.PORTAL_BASE_URL or base, village=village)
    return poster_pdf(village=village, chain=region_chain(region=village), url=url)
