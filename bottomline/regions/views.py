"""Region pages: browse the tree inside one's own scope."""

from __future__ import annotations

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
