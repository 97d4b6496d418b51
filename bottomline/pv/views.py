"""PV pages: thin adapters over ``pv.selectors`` (reads) and ``pv.services`` (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bottomline.accounts import gate
from bottomline.pages import apply_service_errors
from bottomline.pv import exports, imports, selectors, services
from bottomline.pv.forms import (
    AllocationForm,
    AssignForm,
    EndForm,
    MonthForm,
    PayForm,
    PostForm,
    StationForm,
)
from bottomline.pv.models import Allocation, Assignment, Post, Station
from bottomline.registry.import_pages import import_page, template_download

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    year = int(text) if text.isascii() and text.isdigit() else 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def station_list(request: HttpRequest) -> HttpResponse:
    """The stations of the user's region with a year's generation and income."""
    user = gate.staff_of(request)
    gate.require(user, Station, "view", request)
    year = _year(request)
    context = {
        "stations": selectors.station_list(viewer=user, year=year),
        "year": year,
        "can_change": gate.allowed(user, Station, "change"),
        "can_import": gate.allowed(user, Station, "import"),
    }
    return render(request, "pv/station_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def station_create(request: HttpRequest) -> HttpResponse:
    """Register a station."""
    user = gate.staff_of(request)
    gate.require(user, Station, "change", request)
    form = StationForm(request.POST or None, villages=selectors.villages_for(viewer=user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            station = services.station_register(
                actor=user,
                name=data["name"],
                village=data["village"],
                capacity_kw=data["capacity_kw"],
                grid_date=data["grid_date"],
                owner=data["owner"],
                grid_account=data["grid_account"],
                shares=[services.Share(v, p) for v, p in form.shares()],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Station registered."))
            return redirect("pv:station_detail", pk=station.pk)
    return render(request, "pv/form.html", {"form": form, "title": _("Register a PV station")})


@login_required
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A station with its shares and every month recorded."""
    user = gate.staff_of(request)
    station = selectors.station_get(viewer=user, station_id=pk)
    context = {
        "station": station,
        "can_change": gate.allowed(user, Station, "change"),
        "months": station.months.all(),
    }
    return render(request, "pv/station_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def station_month(request: HttpRequest, pk: int) -> HttpResponse:
    """Record (or correct) a station's month from the grid company's statement."""
    user = gate.staff_of(request)
    station = selectors.station_get(viewer=user, station_id=pk, action="change")
    form = MonthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.station_month_record(actor=user, station_id=station.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Month recorded."))
            return redirect("pv:station_detail", pk=station.pk)
    title = _("Record a month of %(station)s") % {"station": station.name}
    return render(request, "pv/form.html", {"form": form, "title": title, "back": station})


@login_required
def station_export(request: HttpRequest) -> HttpResponse:
    """The stations with a year's figures, as XLSX."""
    user = gate.staff_of(request)
    year = _year(request)
    content = exports.stations_export(viewer=user, year=year, request=request)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="pv-stations-{year}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def statement_import(request: HttpRequest) -> HttpResponse:
    """Upload a grid company's monthly statement to check it, or to import it (a job with progress)."""
    return import_page(
        request, model=Station, kind=imports.KIND, template="pv/import.html", columns=imports.COLUMNS
    )


@login_required
def statement_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The statement template, XLSX or CSV."""
    return template_download(
        request,
        model=Station,
        fmt=fmt,
        csv=imports.template_csv,
        xlsx=imports.template_xlsx,
        name="pv-statement",
    )


@login_required
def distribution_list(request: HttpRequest) -> HttpResponse:
    """The villages sharing in a station, with a year's income share, allocated and left."""
    user = gate.staff_of(request)
    year = _year(request)
    rows = selectors.distribution_list(viewer=user, year=year)
    return render(request, "pv/distribution_list.html", {"rows": rows, "year": year})


@login_required
@require_http_methods(["GET", "POST"])
def distribution(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A village's PV income of a year, its allocations, and (for its keepers) a form to allocate more."""
    user = gate.staff_of(request)
    found = selectors.village_year(viewer=user, code=code, year=year)
    can_change = gate.allowed(user, Allocation, "change")
    if request.method == "POST":
        gate.require(user, Allocation, "change", request)
    form = AllocationForm(request.POST or None) if can_change else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.allocation_record(actor=user, village=found.village, year=year, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Allocation recorded."))
            return redirect("pv:distribution", code=code, year=year)
    return render(request, "pv/distribution.html", {"found": found, "form": form})


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    """The posts of the user's region with their holder today."""
    user = gate.staff_of(request)
    gate.require(user, Post, "view", request)
    filled = {"1": True, "0": False}.get(request.GET.get("filled", ""))
    posts = selectors.post_list(viewer=user, on=timezone.localdate(), filled=filled)
    context = {
        "posts": posts,
        "filled": request.GET.get("filled", ""),
        "can_change": gate.allowed(user, Post, "change"),
    }
    return render(request, "pv/post_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    """Create a public-welfare post."""
    user = gate.staff_of(request)
    gate.require(user, Post, "change", request)
    form = PostForm(request.POST or None, villages=selectors.villages_for(viewer=user))
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Post created."))
            return redirect("pv:post_detail", pk=post.pk)
    return render(request, "pv/form.html", {"form": form, "title": _("Create a public-welfare post")})


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A post with every holder and their pay."""
    user = gate.staff_of(request)
    post = selectors.post_get(viewer=user, post_id=pk)
    context = {
        "post": post,
        "can_change": gate.allowed(user, Post, "change"),
        "can_pay": gate.allowed(user, Post, "pay"),
    }
    return render(request, "pv/post_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the post to a member of its village who can work."""
    user = gate.staff_of(request)
    post = selectors.post_get(viewer=user, post_id=pk, action="change")
    form = AssignForm(request.POST or None, members=selectors.assignable_members(viewer=user, post=post))
    if request.method == "POST" and form.is_valid():
        try:
            services.post_assign(
                actor=user,
                post_id=post.pk,
                member_id=form.cleaned_data["member"].pk,
                start=form.cleaned_data["start"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Post assigned."))
            return redirect("pv:post_detail", pk=post.pk)
    title = _("Assign the post: %(kind)s") % {"kind": post.get_kind_display()}
    return render(request, "pv/form.html", {"form": form, "title": title, "back_post": post})


@login_required
@require_http_methods(["GET", "POST"])
def post_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a month's pay of the post's holder: it becomes the household's wage income."""
    user = gate.staff_of(request)
    post = selectors.post_get(viewer=user, post_id=pk, action="pay")
    holders = (
        gate.restrict(Assignment.objects.filter(post=post), user).select_related("member").order_by("-start")
    )
    form = PayForm(request.POST or None, holders=holders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.post_pay_record(
                actor=user,
                assignment_id=data["assignment"].pk,
                month=data["month"],
                paid_on=data["paid_on"],
                amount=data["amount"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Pay recorded; the household was evaluated again."))
            return redirect("pv:post_detail", pk=post.pk)
    title = _("Record pay: %(kind)s") % {"kind": post.get_kind_display()}
    return render(request, "pv/form.html", {"form": form, "title": title, "back_post": post})


@login_required
@require_POST
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a holder's term on the day given (back to the post's page, with what went wrong if anything)."""
    user = gate.staff_of(request)
    held = gate.access(Assignment.objects.all(), user, action="change", request=request, pk=pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the last day of the term."))
    else:
        try:
            services.assignment_end(actor=user, assignment_id=held.pk, end=form.cleaned_data["end"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The term is ended."))
    return redirect("pv:post_detail", pk=held.post_id)


@login_required
def post_export(request: HttpRequest) -> HttpResponse:
    """The posts with their holder today, as XLSX."""
    user = gate.staff_of(request)
    content = exports.posts_export(viewer=user, on=timezone.localdate(), request=request)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="pv-posts.xlsx"'
    return response
