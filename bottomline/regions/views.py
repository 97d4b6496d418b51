"""Region pages: browse the tree inside one's own scope."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bottomline.accounts import gate
from bottomline.regions import selectors
from bottomline.regions.links import region_links


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One region, its place in the tree and the regions below it."""
    user = gate.staff_of(request)
    region = selectors.region_get(viewer=user, code=code)
    return render(
        request,
        "regions/region_detail.html",
        {
            "region": region,
            "path": selectors.region_path(viewer=user, region=region),
            "children": selectors.region_children(viewer=user, parent=region),
            "links": region_links(viewer=user, region=region),
        },
    )


# The lists a picker may lead back to keep these of their parameters (a case list its queue).
PICKER_KEEPS = ("queue",)


def picker_keep(request: HttpRequest) -> str:
    """The query-string start each picked region's link carries (the list's queue, when one is given)."""
    kept = {k: v for k in PICKER_KEEPS if (v := request.GET.get(k, "")) and v.isascii() and v.isidentifier()}
    return urlencode(kept) + "&" if kept else ""


@login_required
def region_picker(request: HttpRequest) -> HttpResponse:
    """The regions directly below ``parent`` (by default the viewer's region) as a branch of the region tree
    picker: each a link that sets a list's region filter, those with regions below opening lazily (htmx)."""
    user = gate.staff_of(request)
    code = request.GET.get("parent", "")
    parent = selectors.region_get(viewer=user, code=code) if code else None
    return render(
        request,
        "regions/_picker.html",
        {"children": selectors.region_children(viewer=user, parent=parent), "keep": picker_keep(request)},
    )
