"""Pages of workshops, jobs, courses and grants: thin views over ``selectors`` (reads) and ``services`` (writes),
behind the region gate (403 for a role that may not, 404 outside the region)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.employment import exports, imports, selectors, services
from bottomline.employment.forms import (
    CourseForm,
    EnrolForm,
    GrantForm,
    JobForm,
    ListFilter,
    WorkshopForm,
    village_choices,
)
from bottomline.employment.models import Course, Grant, Job, Trainee, Workshop
from bottomline.pages import apply_service_errors
from bottomline.regions.models import Region
from bottomline.registry.import_pages import import_page, template_download
from bottomline.registry.models import Household, Member
from bottomline.registry.selectors import household_get

PAGE = 50


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Page[Any]:
    return Paginator(rows, PAGE).get_page(request.GET.get("page"))


def _region(user: User, code: str) -> str:
    """A region code of the user's region (404 for one outside it); blank for the whole region."""
    if code and not gate.restrict(Region.objects.filter(code=code), user).exists():
        raise Http404
    return code


def _filters(request: HttpRequest, user: User) -> tuple[ListFilter, dict[str, Any]]:
    form = ListFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    data["region"] = _region(user, data.get("region") or "")
    return form, data


# -- Workshops ------------------------------------------------------------------------------------------------


@login_required
def workshop_list(request: HttpRequest) -> HttpResponse:
    """The workshops of the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Workshop, "view", request)
    form, data = _filters(request, user)
    page = _page(request, selectors.workshops(viewer=user, region=data["region"]))
    context = {"page": page, "form": form, "can_add": gate.allowed(user, Workshop, "add")}
    return render(request, "employment/workshop_list.html", context)


def _villages(user: User) -> list[Region]:
    return village_choices(gate.restrict(Region.objects.all(), user))


def _workshop_form(request: HttpRequest, user: User, workshop: Workshop | None) -> HttpResponse:
    initial = {}
    if workshop is not None:
        initial = {
            f: getattr(workshop, f)
            for f in ("name", "kind", "relocation_site", "employer", "capacity", "opened", "closed")
        }
        initial["village_code"] = workshop.village.code
    form = WorkshopForm(request.POST or None, initial=initial, villages=_villages(user))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.workshop_save(
                actor=user, workshop_id=workshop.pk if workshop else None, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Workshop saved."))
            return redirect("employment:workshop_detail", pk=saved.pk)
    return render(request, "employment/workshop_form.html", {"form": form, "workshop": workshop})


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request: HttpRequest) -> HttpResponse:
    """Register a workshop."""
    user = gate.staff_of(request)
    gate.require(user, Workshop, "add", request)
    return _workshop_form(request, user, None)


@login_required
@require_http_methods(["GET", "POST"])
def workshop_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a workshop (or record that it closed)."""
    user = gate.staff_of(request)
    workshop = selectors.workshop_get(viewer=user, workshop_id=pk, action="change")
    return _workshop_form(request, user, workshop)


@login_required
def workshop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A workshop and the jobs at it."""
    user = gate.staff_of(request)
    workshop = selectors.workshop_get(viewer=user, workshop_id=pk)
    page = _page(request, selectors.jobs(viewer=user, workshop_id=workshop.pk))
    context = {"workshop": workshop, "page": page, "can_change": gate.allowed(user, Workshop, "change")}
    return render(request, "employment/workshop_detail.html", context)


# -- Jobs -----------------------------------------------------------------------------------------------------


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    """The employment records of the user's region, and the people at work this month by region and place
    (the migrant labour transfer counts)."""
    user = gate.staff_of(request)
    gate.require(user, Job, "view", request)
    form, data = _filters(request, user)
    rows = selectors.jobs(
        viewer=user, region=data["region"], place=data.get("place") or "", year=data.get("year")
    )
    today = timezone.localdate()
    counts = selectors.transfer_counts(viewer=user, on=today, region=data["region"])
    context = {
        "page": _page(request, rows),
        "form": form,
        "counts": counts,
        "today": today,
        "totals": (
            sum(c.local for c in counts),
            sum(c.province for c in counts),
            sum(c.outside for c in counts),
        ),
        "can_import": gate.allowed(user, Job, "import"),
        "region": data["region"],
    }
    return render(request, "employment/job_list.html", context)


def _member_choices(user: User, household: Household) -> list[tuple[int, str]]:
    members = gate.restrict(Member.objects.filter(household=household), user).order_by("id")
    return [(m.pk, f"{m.name} {m.id_number_masked}") for m in members]


def _workshop_choices(user: User) -> list[tuple[int, str]]:
    return [
        (w.pk, f"{w.name} ({w.village.name})")
        for w in gate.restrict(Workshop.objects.select_related("village"), user)
    ]


def _job_form(request: HttpRequest, user: User, household: Household, job: Job | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if job is not None:
        initial = {
            "member": job.member_id, "workshop": job.workshop_id, "employer": "" if job.workshop_id else job.employer,
            "place": job.place, "start": job.start, "months": job.months, "monthly_wage": job.monthly_wage,
        }  # fmt: skip
    form = JobForm(
        request.POST or None,
        initial=initial,
        members=_member_choices(user, household),
        workshops=_workshop_choices(user),
    )
    if request.method == "POST" and job is not None and request.POST.get("delete") == "1":
        services.job_delete(actor=user, job_id=job.pk)
        messages.success(request, _("Employment record removed; its wages left the household's income."))
        return redirect("employment:household", pk=household.pk)
    if request.method == "POST" and form.is_valid():
        value = services.JobInput(
            member_id=form.cleaned_data["member"],
            place=form.cleaned_data["place"],
            start=form.cleaned_data["start"],
            months=form.cleaned_data["months"],
            monthly_wage=form.cleaned_data["monthly_wage"],
            workshop_id=form.cleaned_data["workshop"],
            employer=form.cleaned_data["employer"],
            job_id=job.pk if job else None,
        )
        try:
            services.job_save(actor=user, value=value)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("Employment record saved; the wages count in the household's income.")
            )
            return redirect("employment:household", pk=household.pk)
    context = {"form": form, "household": household, "job": job}
    return render(request, "employment/job_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def job_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a job of a member of the household."""
    user = gate.staff_of(request)
    gate.require(user, Job, "add", request)
    household = gate.access(
        Household.objects.select_related("village"), user, action="change", request=request, pk=pk
    )
    return _job_form(request, user, household, None)


@login_required
@require_http_methods(["GET", "POST"])
def job_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a job, or remove one recorded in error."""
    user = gate.staff_of(request)
    job = selectors.job_get(viewer=user, job_id=pk, action="change")
    return _job_form(request, user, job.household, job)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The workbook of jobs, trainees and grants (XLSX)."""
    user = gate.staff_of(request)
    gate.require(user, Job, "export", request)
    region = _region(user, request.GET.get("region", ""))
    content = exports.workbook(viewer=user, region=region, request=request)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="employment.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def job_import(request: HttpRequest) -> HttpResponse:
    """Download the employment template; upload a file to check it, or to import it (a job with progress)."""
    return import_page(
        request, model=Job, kind=imports.KIND, template="employment/job_import.html", columns=imports.COLUMNS
    )


@login_required
def job_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The employment import template, XLSX or CSV."""
    return template_download(
        request, model=Job, fmt=fmt, csv=imports.template_csv, xlsx=imports.template_xlsx, name="employment"
    )


# -- A household's employment, training and grants ----------------------------------------------------------------


def _courses_open(user: User) -> list[Course]:
    return list(gate.restrict(Course.objects.all(), user).order_by("-start")[:200])


@login_required
def household(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's jobs, courses and grants, with the forms to add them for those who keep them."""
    user = gate.staff_of(request)
    found = household_get(viewer=user, household_id=pk)
    context: dict[str, Any] = {
        "household": found,
        **selectors.household_work(viewer=user, household=found),
        "can_add_job": gate.allowed(user, Job, "add"),
        "can_keep": gate.allowed(user, Grant, "add"),
        "today": timezone.localdate(),
    }
    if gate.allowed(user, Trainee, "add"):
        context["enrol"] = EnrolForm(members=_member_choices(user, found), courses=_courses_open(user))
    return render(request, "employment/household.html", context)


@login_required
@require_POST
def trainee_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol a member of the household on a course (or remove one: ``remove`` is the trainee's id)."""
    user = gate.staff_of(request)
    gate.require(user, Trainee, "add", request)
    found = gate.access(
        Household.objects.select_related("village"), user, action="change", request=request, pk=pk
    )
    remove = request.POST.get("remove", "")
    if remove.isascii() and remove.isdigit():
        trainee = gate.access(Trainee.objects.filter(household=found), user, action="change", pk=int(remove))
        services.trainee_remove(actor=user, trainee_id=trainee.pk)
        messages.success(request, _("Taken off the course."))
        return redirect("employment:household", pk=found.pk)
    form = EnrolForm(request.POST, members=_member_choices(user, found), courses=_courses_open(user))
    if form.is_valid():
        services.trainee_add(
            actor=user,
            course_id=form.cleaned_data["course"],
            member_id=form.cleaned_data["member"],
            certified=form.cleaned_data["certified"],
        )
        messages.success(request, _("Enrolled on the course."))
        return redirect("employment:household", pk=found.pk)
    context = {
        "household": found,
        **selectors.household_work(viewer=user, household=found),
        "can_add_job": gate.allowed(user, Job, "add"),
        "can_keep": True,
        "enrol": form,
        "today": timezone.localdate(),
    }
    return render(request, "employment/household.html", context)


def _grant_form(request: HttpRequest, user: User, household: Household, grant: Grant | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if grant is not None:
        initial = {f: getattr(grant, f) for f in ("school", "level", "term", "amount", "paid_on")}
        initial["member"] = grant.member_id
    form = GrantForm(request.POST or None, initial=initial, members=_member_choices(user, household))
    if request.method == "POST" and grant is not None and request.POST.get("delete") == "1":
        services.grant_delete(actor=user, grant_id=grant.pk)
        messages.success(request, _("Grant removed; its money left the household's income."))
        return redirect("employment:household", pk=household.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_save(
                actor=user, grant_id=grant.pk if grant else None, member_id=data["member"], school=data["school"],
                level=data["level"], term=data["term"], amount=data["amount"], paid_on=data["paid_on"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Grant saved; it counts in the household's transfer income."))
            return redirect("employment:household", pk=household.pk)
    return render(
        request, "employment/grant_form.html", {"form": form, "household": household, "grant": grant}
    )


@login_required
@require_http_methods(["GET", "POST"])
def grant_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a Rain and Dew grant for a student of the household."""
    user = gate.staff_of(request)
    gate.require(user, Grant, "add", request)
    found = gate.access(
        Household.objects.select_related("village"), user, action="change", request=request, pk=pk
    )
    return _grant_form(request, user, found, None)


@login_required
@require_http_methods(["GET", "POST"])
def grant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a grant, or remove one recorded in error."""
    user = gate.staff_of(request)
    gate.require(user, Grant, "change", request)
    grant = selectors.grant_get(viewer=user, grant_id=pk, action="change")
    return _grant_form(request, user, grant.household, grant)


@login_required
def grant_list(request: HttpRequest) -> HttpResponse:
    """The Rain and Dew grants of the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Grant, "view", request)
    form, data = _filters(request, user)
    rows = selectors.grants(viewer=user, region=data["region"], year=data.get("year"))
    context = {"page": _page(request, rows), "form": form, "can_change": gate.allowed(user, Grant, "change")}
    return render(request, "employment/grant_list.html", context)


# -- Courses --------------------------------------------------------------------------------------------------


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    """The courses held in the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Course, "view", request)
    form, data = _filters(request, user)
    page = _page(request, selectors.courses(viewer=user, region=data["region"]))
    return render(
        request,
        "employment/course_list.html",
        {"page": page, "form": form, "can_add": gate.allowed(user, Course, "add")},
    )


def _regions_holding(user: User) -> list[Region]:
    return [user.region, *Region.objects.filter(parent=user.region).order_by("code")]


def _course_form(request: HttpRequest, user: User, course: Course | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if course is not None:
        initial = {
            f: getattr(course, f)
            for f in ("name", "kind", "provider", "start", "end", "hours", "certificate")
        }
        initial["region_code"] = course.region.code
    form = CourseForm(request.POST or None, initial=initial, regions=_regions_holding(user))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.course_save(
                actor=user, course_id=course.pk if course else None, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Course saved."))
            return redirect("employment:course_detail", pk=saved.pk)
    return render(request, "employment/course_form.html", {"form": form, "course": course})


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    """Register a course."""
    user = gate.staff_of(request)
    gate.require(user, Course, "add", request)
    return _course_form(request, user, None)


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a course."""
    user = gate.staff_of(request)
    course = selectors.course_get(viewer=user, course_id=pk, action="change")
    return _course_form(request, user, course)


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A course and its trainees (those of the user's region)."""
    user = gate.staff_of(request)
    course = selectors.course_get(viewer=user, course_id=pk)
    context = {
        "course": course,
        "trainees": selectors.course_trainees(viewer=user, course=course),
        "can_change": gate.allowed(user, Course, "change"),
    }
    return render(request, "employment/course_detail.html", context)
