"""Points supermarket pages: the list, one supermarket (villages served, households' balances, latest entries
and redemptions), recording points and redemptions, rules, goods and receipts, stock-taking, the villages
served, the import of point entries and the XLSX export of balances. Thin: services write, selectors read."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.pages import apply_service_errors
from bottomline.points import exports, importing, selectors, services
from bottomline.points.forms import (
    AsOfForm,
    CoverageForm,
    EntryForm,
    GoodsForm,
    ReceiptForm,
    RedemptionForm,
    RuleForm,
    SupermarketForm,
)
from bottomline.points.models import Coverage, Entry, Goods, Redemption, Rule, StockMove, Supermarket
from bottomline.regions.models import Level, Region
from bottomline.regions.selectors import region_asked
from bottomline.registry.import_pages import import_page, template_download
from bottomline.registry.models import Household

PAGE = 50


def _as_of(request: HttpRequest) -> tuple[AsOfForm, date, str]:
    form = AsOfForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, data.get("on") or timezone.localdate(), (data.get("number") or "").strip()


def _villages(user: User) -> list[tuple[int, str]]:
    """The villages of the user's region, for a choice."""
    rows = gate.restrict(Region.objects.filter(level=Level.VILLAGE), user).order_by("code")
    return [(r.pk, f"{r.name} ({r.code})") for r in rows]


def _household(user: User, supermarket: Supermarket, number: str, on: date) -> Household | None:
    return selectors.households_served(user, supermarket, on).filter(number=number.strip()).first()


@login_required
def supermarket_list(request: HttpRequest) -> HttpResponse:
    """The supermarkets of the user's region, the villages each serves and the points earned and redeemed."""
    user = gate.staff_of(request)
    gate.require(user, Supermarket, "view", request)
    form, on, _number = _as_of(request)
    region = region_asked(viewer=user, code=request.GET.get("region", ""))
    rows = selectors.supermarket_rows(viewer=user, region=region, on=on)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "on": on,
        "region": region,
        "villages": sum(len(r.villages) for r in rows),
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "can_add": gate.allowed(user, Supermarket, "add"),
        "can_import": gate.allowed(user, Entry, "import"),
        "can_export": gate.allowed(user, Entry, "export"),
    }
    return render(request, "points/supermarket_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def supermarket_create(request: HttpRequest) -> HttpResponse:
    """A new supermarket in a village of the user's region, and the villages it serves."""
    user = gate.staff_of(request)
    gate.require(user, Supermarket, "add", request)
    form = SupermarketForm(
        request.POST or None, villages=_villages(user), initial={"opened_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            supermarket = services.supermarket_create(
                actor=user,
                name=data["name"],
                village_id=data["village"],
                opened_on=data["opened_on"],
                villages=data["villages"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Supermarket recorded."))
            return redirect("points:detail", pk=supermarket.pk)
    return render(request, "points/form.html", {"form": form, "title": _("New points supermarket")})


def _rights(user: User, supermarket: Supermarket) -> dict[str, bool]:
    keeps = selectors.may_keep(user, supermarket)
    return {
        "can_keep": keeps and gate.allowed(user, Coverage, "change"),
        "can_rules": keeps and gate.allowed(user, Rule, "add"),
        "can_goods": keeps and gate.allowed(user, Goods, "add"),
        "can_count": keeps and gate.allowed(user, StockMove, "add"),
        "can_record": gate.allowed(user, Entry, "add"),
        "can_redeem": gate.allowed(user, Redemption, "add"),
    }


@login_required
def supermarket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One supermarket: villages served, the households' balances as of a day, the latest entries and
    redemptions."""
    user = gate.staff_of(request)
    supermarket = selectors.supermarket_get(viewer=user, supermarket_id=pk)
    form, on, number = _as_of(request)
    households = selectors.households_served(user, supermarket, on).order_by("village__code", "number")
    if number:
        households = households.filter(number=number)
    page = Paginator(households, PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    balance = selectors.balances([h.pk for h in shown], on)
    context = {
        "supermarket": supermarket,
        "form": form,
        "on": on,
        "page": page,
        "households": [(h, balance[h.pk]) for h in shown],
        "coverages": Coverage.objects.filter(supermarket=supermarket)
        .select_related("village")
        .order_by("-start"),
        "entries": list(selectors.entries_of(user, supermarket)[:20]),
        "redemptions": list(selectors.redemptions_of(user, supermarket)[:20]),
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        **_rights(user, supermarket),
    }
    return render(request, "points/supermarket_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def coverage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The villages the supermarket serves from a day ("一托多")."""
    user = gate.staff_of(request)
    supermarket = gate.access(Supermarket.objects.all(), user, action="change", request=request, pk=pk)
    gate.require(user, Coverage, "change", request)
    current = list(
        Coverage.objects.filter(supermarket=supermarket, end__isnull=True).values_list(
            "village_id", flat=True
        )
    )
    form = CoverageForm(
        request.POST or None,
        villages=_villages(user),
        initial={"villages": current, "on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.coverage_set(
                actor=user,
                supermarket_id=supermarket.pk,
                villages=form.cleaned_data["villages"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Villages served recorded."))
            return redirect("points:detail", pk=supermarket.pk)
    title = _("Villages served by %(name)s") % {"name": supermarket.name}
    return render(request, "points/form.html", {"form": form, "title": title, "supermarket": supermarket})


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest, pk: int) -> HttpResponse:
    """The rules applying at the supermarket (its own and the county's defaults); a new one for its keepers."""
    user = gate.staff_of(request)
    supermarket = selectors.supermarket_get(viewer=user, supermarket_id=pk)
    gate.require(user, Rule, "view", request)
    rights = _rights(user, supermarket)
    form = (
        RuleForm(request.POST or None, initial={"start": timezone.localdate()})
        if rights["can_rules"]
        else None
    )
    if request.method == "POST":
        if form is None:
            gate.deny(user, "points.rule:add", request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.rule_create(
                    actor=user,
                    supermarket_id=None if data["county_wide"] else supermarket.pk,
                    category=data["category"],
                    points=data["points"],
                    description=data["description"],
                    start=data["start"],
                    end=data.get("end"),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Rule recorded."))
                return redirect("points:rules", pk=supermarket.pk)
    context = {"supermarket": supermarket, "rules": selectors.rules_applying(supermarket), "form": form}
    return render(request, "points/rules.html", context)


def _rule_choices(supermarket: Supermarket) -> list[tuple[int | str, str]]:
    today = timezone.localdate()
    return [(r.pk, f"{r.description} ({r.points:+d})") for r in selectors.rules_applying(supermarket, today)]


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record points a household served by the supermarket earned or lost."""
    user = gate.staff_of(request)
    gate.require(user, Entry, "add", request)
    supermarket = selectors.supermarket_get(viewer=user, supermarket_id=pk)
    form = EntryForm(
        request.POST or None, rules=_rule_choices(supermarket), initial={"on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = _household(user, supermarket, data["number"], data["on"])
        if household is None:
            form.add_error(
                "number", _("No household with this number served by this supermarket in your region.")
            )
        else:
            try:
                services.points_record(
                    actor=user,
                    supermarket_id=supermarket.pk,
                    household_id=household.pk,
                    rule_id=data.get("rule"),
                    points=data.get("points"),
                    on=data["on"],
                    note=data.get("note") or "",
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                balance = selectors.balances([household.pk], timezone.localdate())[household.pk]
                messages.success(
                    request,
                    _("Points recorded: household %(number)s has %(balance)d points.")
                    % {"number": household.number, "balance": balance},
                )
                return redirect("points:record", pk=supermarket.pk)
    title = _("Record points at %(name)s") % {"name": supermarket.name}
    return render(request, "points/form.html", {"form": form, "title": title, "supermarket": supermarket})


def _goods_choices(supermarket: Supermarket) -> list[tuple[int, str]]:
    return [
        (
            g.pk,
            _("%(name)s, %(price)d points a %(unit)s (%(stock)d in stock)")
            % {"name": g.name, "price": g.price, "unit": g.unit, "stock": g.stock},
        )
        for g in Goods.objects.filter(supermarket=supermarket).order_by("name")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def redemption_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A household served by the supermarket takes goods for points (never more than its balance or the stock)."""
    user = gate.staff_of(request)
    gate.require(user, Redemption, "add", request)
    supermarket = selectors.supermarket_get(viewer=user, supermarket_id=pk)
    form = RedemptionForm(
        request.POST or None, goods=_goods_choices(supermarket), initial={"on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = _household(user, supermarket, data["number"], data["on"])
        if household is None:
            form.add_error(
                "number", _("No household with this number served by this supermarket in your region.")
            )
        else:
            try:
                services.redemption_record(
                    actor=user,
                    supermarket_id=supermarket.pk,
                    household_id=household.pk,
                    goods_id=data["goods"],
                    quantity=data["quantity"],
                    on=data["on"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                balance = selectors.balances([household.pk], timezone.localdate())[household.pk]
                messages.success(
                    request,
                    _("Redemption recorded: household %(number)s has %(balance)d points left.")
                    % {"number": household.number, "balance": balance},
                )
                return redirect("points:redeem", pk=supermarket.pk)
    title = _("Redeem points at %(name)s") % {"name": supermarket.name}
    return render(request, "points/form.html", {"form": form, "title": title, "supermarket": supermarket})


@login_required
@require_http_methods(["GET", "POST"])
def goods(request: HttpRequest, pk: int) -> HttpResponse:
    """The supermarket's goods with their stock; its keepers add goods and record receipts."""
    user = gate.staff_of(request)
    supermarket = selectors.supermarket_get(viewer=user, supermarket_id=pk)
    gate.require(user, Goods, "view", request)
    rights = _rights(user, supermarket)
    add = (
        GoodsForm(request.POST if request.POST.get("form") == "goods" else None, prefix="g")
        if rights["can_goods"]
        else None
    )
    receive = (
        ReceiptForm(
            request.POST if request.POST.get("form") == "receipt" else None,
            goods=_goods_choices(supermarket),
            prefix="r",
            initial={"on": timezone.localdate()},
        )
        if rights["can_count"]
        else None
    )
    if request.method == "POST":
        if add is None or receive is None:
            gate.deny(user, "points.goods:add", request)
        if request.POST.get("form") == "goods" and add.is_valid():
            try:
                services.goods_create(actor=user, supermarket_id=supermarket.pk, **add.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(add, exc)
            else:
                messages.success(request, _("Goods recorded."))
                return redirect("points:goods", pk=supermarket.pk)
        if request.POST.get("form") == "receipt" and receive.is_valid():
            data = receive.cleaned_data
            try:
                services.goods_receive(
                    actor=user,
                    goods_id=data["goods"],
                    quantity=data["quantity"],
                    on=data["on"],
                    note=data.get("note") or "",
                )
            except ValidationError as exc:
                apply_service_errors(receive, exc)
            else:
                messages.success(request, _("Receipt recorded."))
                return redirect("points:goods", pk=supermarket.pk)
    moves = (
        StockMove.objects.filter(goods__supermarket=supermarket)
        .select_related("goods")
        .order_by("-on", "-id")[:30]
    )
    context = {
        "supermarket": supermarket,
        "goods": Goods.objects.filter(supermarket=supermarket).order_by("name"),
        "moves": moves,
        "add": add,
        "receive": receive,
        **rights,
    }
    return render(request, "points/goods.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def stocktake(request: HttpRequest, pk: int) -> HttpResponse:
    """Stock-taking: each good's book quantity against the quantity counted; the differences become
    adjustments."""
    user = gate.staff_of(request)
    gate.require(user, StockMove, "add", request)
    supermarket = gate.access(Supermarket.objects.all(), user, action="change", request=request, pk=pk)
    rows = list(Goods.objects.filter(supermarket=supermarket).order_by("name"))
    errors: list[str] = []
    on = timezone.localdate()
    if request.method == "POST":
        counted: dict[int, int] = {}
        for good in rows:
            raw = request.POST.get(f"count-{good.pk}", "").strip()
            if raw == "":
                continue
            if not (raw.isascii() and raw.isdigit()):
                errors.append(_("%(goods)s: enter a whole number of 0 or more.") % {"goods": good.name})
                continue
            counted[good.pk] = int(raw)
        try:
            on = date.fromisoformat(request.POST.get("on", ""))
        except ValueError:
            errors.append(_("Enter the day of the count."))
        if not errors:
            try:
                made = services.stock_count(actor=user, supermarket_id=supermarket.pk, counted=counted, on=on)
            except ValidationError as exc:
                errors += [m for ms in exc.message_dict.values() for m in ms]
            else:
                messages.success(request, _("Stock-taking recorded: %(n)d adjustments.") % {"n": len(made)})
                return redirect("points:goods", pk=supermarket.pk)
    context: dict[str, Any] = {"supermarket": supermarket, "rows": rows, "errors": errors, "on": on}
    return render(request, "points/stocktake.html", context)


@login_required
def balances_export(request: HttpRequest) -> HttpResponse:
    """The households' balances of the user's region as of a day, as XLSX (a job when they are many)."""
    user = gate.staff_of(request)
    gate.require(user, Entry, "export", request)
    _form, on, _number = _as_of(request)
    if not exports.balances_export_inline(user):
        job = exports.balances_export_start(viewer=user, on=on, language=request.LANGUAGE_CODE)
        return redirect("jobs:detail", pk=job.pk)
    response = HttpResponse(
        exports.balances_xlsx(viewer=user, on=on, request=request),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="points-{on:%Y%m%d}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def entries_import_page(request: HttpRequest) -> HttpResponse:
    """Download the template; upload point entries to check them, or to import them (a job)."""
    return import_page(
        request, model=Entry, kind=importing.KIND, template="points/import.html", columns=importing.COLUMNS
    )


@login_required
def entries_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The template, XLSX or CSV."""
    return template_download(
        request, model=Entry, fmt=fmt, csv=importing.template_csv, xlsx=importing.template_xlsx, name="points"
    )
