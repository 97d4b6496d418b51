"""XLSX exports of stations (with a year's generation and income) and posts (with their holder on a day):
every cell text, safe against formula injection (registry.exports.neutralise), audited; the posts, when many, are
written by a job (``jobs.exports``)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.jobs.exports import export_register
from bottomline.pv.models import Post, Station
from bottomline.pv.selectors import post_list, station_list
from bottomline.registry.exports import neutralise


def _xlsx(title: str, header: list[str], rows: Iterable[list[str]]) -> bytes:
    import xlsxwriter  # here, not at a web process's start-up

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(title[:31])
    text = book.add_format({"num_format": "@"})
    for c, heading in enumerate(header):
        sheet.write_string(0, c, heading)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, neutralise(value), text)
    book.close()
    return buffer.getvalue()


def stations_export(*, viewer: User, year: int, request: HttpRequest | None = None) -> bytes:
    """The viewer's stations with the year's generation and income, as XLSX (audited)."""
    gate.require(viewer, Station, "export", request)
    stations = list(station_list(viewer=viewer, year=year).prefetch_related("shares__village"))
    header = [
        _("station name"),
        _("village code"),
        _("village"),
        _("capacity (kW)"),
        _("connected to the grid"),
        _("owner"),
        _("grid company account number"),
        _("villages sharing the income"),
        _("generation (kWh) in %(year)d") % {"year": year},
        _("income (yuan) in %(year)d") % {"year": year},
    ]
    rows = [
        [
            s.name,
            s.village.code,
            s.village.name,
            str(s.capacity_kw),
            s.grid_date.isoformat(),
            s.owner,
            s.grid_account,
            "、".join(f"{share.village.name} {share.percent}%" for share in s.shares.all()),
            str(getattr(s, "year_kwh", None) or 0),
            str(getattr(s, "year_income", None) or 0),
        ]
        for s in stations
    ]
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="pv.stations:xlsx",
        region=viewer.region,
        detail={"stations": len(rows)},
    )
    return _xlsx(_("PV stations"), header, rows)


def posts_export(*, viewer: User, on: date, request: HttpRequest | None = None) -> bytes:
    """The viewer's posts with their holder on ``on`` (masked ID numbers), as XLSX (audited)."""
    gate.require(viewer, Post, "export", request)
    posts = list(post_list(viewer=viewer, on=on))
    header = [
        _("village code"),
        _("village"),
        _("kind of post"),
        _("funding source"),
        _("monthly pay (yuan)"),
        _("from"),
        _("until"),
        _("holder"),
        _("ID number"),
        _("household number"),
    ]
    rows = []
    for p in posts:
        holders = getattr(p, "holders", [])
        holder = holders[0] if holders else None
        rows.append(
            [
                p.village.code,
                p.village.name,
                p.get_kind_display(),
                p.get_funding_display(),
                str(p.monthly_pay),
                p.start.isoformat(),
                p.end.isoformat() if p.end else "",
                holder.member.name if holder else "",
                holder.member.id_number_masked if holder else "",
                holder.household.number if holder else "",
            ]
        )
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="pv.posts:xlsx",
        region=viewer.region,
        detail={"posts": len(rows)},
    )
    return _xlsx(_("Public-welfare posts"), header, rows)


POSTS_KIND = "pv.post_export"
POSTS_KIND_NAME = gettext_noop("pv.post_export")  # the job pages show the kind in the user's language


def _posts_write(viewer: User, params: dict[str, Any], request: HttpRequest | None) -> bytes:
    return posts_export(viewer=viewer, on=date.fromisoformat(str(params["on"])), request=request)


# 4,490 posts with their holders took 1.3 s in the request: above 2,000 a job writes them.
POSTS = export_register(
    POSTS_KIND,
    model=Post,
    write=_posts_write,
    rows=lambda viewer, params: gate.restrict(Post.objects.all(), viewer).count(),
    name=lambda params: f"pv-posts-{date.fromisoformat(str(params['on'])):%Y%m%d}",
    inline_rows=2000,
    phase=gettext_noop("writing the posts"),
)
