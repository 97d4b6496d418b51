"""Screening pages: the runs of the officer's region, starting one, and what a run found."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bottomline.accounts import gate
from bottomline.engine import selectors
from bottomline.engine.forms import RunForm
from bottomline.engine.models import Run
from bottomline.engine.services import screening_start


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    """Recent runs; county and province officers start a run of their own region as a job."""
    user = gate.staff_of(request)
    gate.require(user, Run, "view", request)
    may_start = gate.allowed(user, Run, "add")
    form = RunForm(request.POST or None) if may_start else None
    if request.method == "POST":
        gate.require(user, Run, "add", request)
        if form is not None and form.is_valid():
            job = screening_start(actor=user, **form.cleaned_data)
            return redirect("jobs:detail", pk=job.pk)
    context = {"runs": selectors.run_list(viewer=user)[:50], "form": form}
    return render(request, "engine/run_list.html", context)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: the households it flagged inside the user's region, with why."""
    user = gate.staff_of(request)
    run = selectors.run_get(viewer=user, run_id=pk)
    category = request.GET.get("category")
    chosen = int(category) if category in {"1", "2", "3"} else None
    results = selectors.run_results(viewer=user, run=run, category=chosen).order_by("household__number")
    page = Paginator(results, 100).get_page(request.GET.get("page"))
    lang = "zh" if request.LANGUAGE_CODE.startswith("zh") else "en"
    rows = [(r, r.explanations.get(lang, [])) for r in page]
    return render(
        request, "engine/run_detail.html", {"run": run, "page": page, "rows": rows, "category": chosen}
    )
