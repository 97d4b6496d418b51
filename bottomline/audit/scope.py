"""The region of the data an audit row touched: auditors see the trail of their region by it, whoever acted."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Max, Min

from bottomline.accounts import gate
from bottomline.regions.models import PREFIX_LENGTH, Level, Region


def region_path(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to the code of its region, from the region gate's rule (None: no region)."""
    rule = gate.RULES.get(model._meta.label_lower)
    if rule is not None and rule.region_path is not None:
        return rule.region_path
    if (
        rule is not None and rule.owner_path is not None
    ):  # an owner's object (a token) is in the owner's region
        return f"{rule.owner_path}__region__code"
    fields = {f.name for f in model._meta.get_fields()}
    return "region__code" if "region" in fields else None


def object_region_code(app_label: str, model_name: str, pk: Any) -> str | None:
    """The region code of one stored object, found without the viewer's scope (None: gone, or no region)."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return None
    path = region_path(model)
    if path is None:
        return None
    try:
        code = model._default_manager.filter(pk=pk).values_list(path, flat=True).first()
    except (ValueError, TypeError):  # a key of the wrong type: nothing to find
        return None
    return str(code) if code else None


def spanning_region(codes: list[str]) -> Region | None:
    """The smallest region that contains every one of ``codes`` (None when there are none)."""
    if not codes:
        return None
    low, high = min(codes), max(codes)
    for level in sorted(Level, reverse=True):
        length = PREFIX_LENGTH[level]
        if low[:length] == high[:length]:
            found = Region.objects.filter(code=low[:length].ljust(len(low), "0")).first()
            if found is not None:
                return found
    return None


def queryset_region(queryset: models.QuerySet[Any], path: str) -> Region | None:
    """The smallest region that contains every row of ``queryset`` (``path``: the lookup to a row's code)."""
    bounds = queryset.order_by().aggregate(low=Min(path), high=Max(path))
    return spanning_region([code for code in (bounds["low"], bounds["high"]) if code])
