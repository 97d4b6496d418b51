"""Portal pages: the public declaration and receipt status (no sign-in), and the staff pages behind the gate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bottomline.accounts import gate
from bottomline.audit.reads import read_note
from bottomline.audit.services import client_ip
from bottomline.pages import apply_service_errors, pdf_response
from bottomline.portal import posters, selectors, services
from bottomline.portal.forms import (
    HONEYPOT,
    DeclarationForm,
    DismissForm,
    LinkForm,
    RegisterForm,
    SearchForm,
    StatusForm,
)
from bottomline.portal.limits import RateLimited
from bottomline.portal.links import poster_link
from bottomline.portal.models import Declaration, DeclarationStatus
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household

# The picker's selects, top down: the field name of each level.
PICKER_LEVELS = (
    ("province", Level.PROVINCE),
    ("prefecture", Level.PREFECTURE),
    ("county", Level.COUNTY),
    ("township", Level.TOWNSHIP),
    ("village", Level.VILLAGE),
)


def _picker(chosen: dict[str, str]) -> list[dict[str, Any]]:
    """Each level's select: its options below the chosen parent, and the chosen one (if it is among them)."""
    # A chosen village alone (the form sent back) fills in the levels above it.
    village = selectors.village_public(code=chosen.get("village", ""))
    if village is not None:
        chosen = {
            name: r.code
            for (name, _lvl), r in zip(PICKER_LEVELS, selectors.region_chain(region=village), strict=False)
        }
    levels: list[dict[str, Any]] = []
    parent: Region | None = None
    reached = True
    for name, level in PICKER_LEVELS:
        options = list(selectors.region_options(parent=parent)) if reached else []
        selected = next((r for r in options if r.code == chosen.get(name)), None)
        levels.append(
            {"name": name, "label": level.label, "options": options, "selected": selected, "enabled": reached}
        )
        reached = selected is not None
        parent = selected
    return levels


def _fixed_village(code: str) -> tuple[Region | None, list[Region]]:
    village = selectors.village_public(code=code)
    if village is None:
        return None, []
    return village, selectors.region_chain(region=village)


def _limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    return render(request, "portal/limited.html", {"message": error.message}, status=429)


@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """The public declaration form: no sign-in; the village from the picker or fixed by a poster's QR link."""
    data = request.POST if request.method == "POST" else None
    fixed_code = (request.POST.get("fixed") if data is not None else request.GET.get("v")) or ""
    village, chain = _fixed_village(fixed_code)
    form = DeclarationForm(data, initial={"village": village.code} if village else None)
    if data is not None and "refresh" not in data:  # "refresh": the no-script way to load the next list
        # A filled honeypot gets the decoy even when the rest of the form is invalid (scripts send anything):
        # the decision cannot wait for the service, which is called with valid forms only.
        if data.get(HONEYPOT):
            try:
                declared = services.decoy_submit(client_ip=client_ip(request))
            except RateLimited as error:
                return _limited(request, error)
            return render(request, "portal/declared.html", {"receipt": declared.receipt})
        if form.is_valid():
            values = form.cleaned_data
            try:
                declared = services.declaration_submit(
                    name=values["name"],
                    phone=values["phone"],
                    id_number=values["id_number"],
                    village_code=village.code if village else values["village"],
                    risk_type=values["risk_type"],
                    description=values["description"],
                    consent=values["consent"],
                    client_ip=client_ip(request),
                    language=request.LANGUAGE_CODE,
                    photo=request.FILES.get("photo"),
                )
            except RateLimited as error:
                return _limited(request, error)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return render(request, "portal/declared.html", {"receipt": declared.receipt})
    chosen = {name: data.get(name, "") if data is not None else "" for name, _level in PICKER_LEVELS}
    context = {
        "form": form,
        # A photo sent with a form that comes back is not kept: the browser cannot refill a file field.
        "photo_again": data is not None and bool(request.FILES.get("photo")) and not form.errors.get("photo"),
        "fixed": village,
        "chain": chain,
        "picker": None if village else _picker(chosen),
    }
    return render(request, "portal/declare.html", context)


@require_GET
def picker(request: HttpRequest) -> HttpResponse:
    """The picker's selects again, after one of them changed (htmx)."""
    chosen = {name: request.GET.get(name, "") for name, _level in PICKER_LEVELS}
    # A changed level clears the ones below it: htmx names the select that triggered the request.
    changed = request.headers.get("HX-Trigger-Name", "")
    names = [name for name, _level in PICKER_LEVELS]
    if changed in names:
        for name in names[names.index(changed) + 1 :]:
            chosen[name] = ""
    return render(request, "portal/_picker.html", {"picker": _picker(chosen)})


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """The stage of a declaration by its receipt number, in plain words and nothing else."""
    form = StatusForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        try:
            stage = selectors.receipt_stage(
                receipt=form.cleaned_data["receipt"], client_ip=client_ip(request)
            )
        except RateLimited as error:
            return _limited(request, error)
        context.update(looked_up=True, stage=stage)
    return render(request, "portal/status.html", context)


@login_required
@require_GET
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """A village's A4 poster with the QR code of its declaration form; a township's code gives one PDF with a
    page for each of its villages (staff of that village or township and above)."""
    wanted = selectors.poster_set(viewer=gate.staff_of(request), code=code, request=request)
    pdf = posters.posters_for(
        villages=wanted.villages, above=wanted.above, base=request.build_absolute_uri("/")
    )
    return pdf_response(pdf, wanted.filename)


@login_required
@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    """Declarations of the user's region; by default those waiting to be linked."""
    user = gate.staff_of(request)
    gate.require(user, Declaration, "view", request)
    status_filter = request.GET.get("status", DeclarationStatus.UNMATCHED)
    if status_filter not in DeclarationStatus.values:
        status_filter = ""
    page = Paginator(selectors.declaration_list(viewer=user, status=status_filter), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "status": status_filter,
        "statuses": DeclarationStatus.choices,
        # (region, link): the viewer's village or township, or a county officer's townships
        "posters": [(region, poster_link(region)) for region in selectors.poster_regions(viewer=user)],
    }
    return render(request, "portal/declaration_list.html", context)


def _detail(
    request: HttpRequest,
    declaration: Declaration,
    *,
    link: LinkForm | None = None,
    dismiss: DismissForm | None = None,
    search: SearchForm | None = None,
    register: RegisterForm | None = None,
    candidates: list[selectors.Candidate] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = gate.staff_of(request)
    can_change = (
        gate.allowed(user, Declaration, "change") and declaration.status == DeclarationStatus.UNMATCHED
    )
    context = {
        "declaration": declaration,
        "description": selectors.declaration_description(declaration),
        "can_change": can_change,
        "can_register": can_change and gate.allowed(user, Household, "add"),
        "can_reveal": gate.allowed(user, Declaration, "reveal"),
        "can_print": gate.allowed(user, Declaration, "poster"),
        "link_form": link or LinkForm(),
        "dismiss_form": dismiss or DismissForm(),
        "search_form": search or SearchForm(),
        "register_form": register or RegisterForm(),
        "candidates": candidates,  # None: no search yet
    }
    return render(request, "portal/declaration_detail.html", context, status=status)


@login_required
@require_GET
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One declaration, numbers masked; link or dismiss it while it is unmatched."""
    user = gate.staff_of(request)
    return _detail(request, selectors.declaration_get(viewer=user, declaration_id=pk))


def _open(request: HttpRequest, pk: int) -> Declaration:
    """The declaration to act on, inside the user's scope (404 outside, 403 for a role that may not)."""
    user = gate.staff_of(request)
    return gate.access(
        Declaration.objects.select_related("village"), user, action="change", request=request, pk=pk
    )


@login_required
@require_POST
def declaration_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Households of the declaration's village with a member of that name, to link it to (htmx: the list)."""
    user = gate.staff_of(request)
    declaration = _open(request, pk)
    form = SearchForm(request.POST)
    candidates = None
    if form.is_valid():
        candidates = selectors.link_search(
            viewer=user, declaration=declaration, name=form.cleaned_data["name"]
        )
    if request.htmx:  # type: ignore[attr-defined]  # django-htmx's middleware
        context = {"declaration": declaration, "candidates": candidates, "search_form": form}
        return render(request, "portal/_candidates.html", context)
    return _detail(request, declaration, search=form, candidates=candidates)


@login_required
@require_POST
def declaration_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the declaration to a household of its village: the household's lead is raised."""
    user = gate.staff_of(request)
    declaration = _open(request, pk)
    form = LinkForm(request.POST, households=selectors.link_candidates(viewer=user, declaration=declaration))
    if form.is_valid():
        try:
            services.declaration_link(
                actor=user, declaration_id=pk, household_id=form.cleaned_data["household"].pk
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The declaration is linked and the household's lead raised."))
            return redirect("portal:declaration_detail", pk=pk)
    return _detail(request, declaration, link=form)


@login_required
@require_POST
def declaration_register(request: HttpRequest, pk: int) -> HttpResponse:
    """建档并关联: register the household from the declaration, with the declarant as its head, and link it."""
    user = gate.staff_of(request)
    declaration = _open(request, pk)
    gate.require(user, Household, "add", request)
    form = RegisterForm(request.POST)
    if form.is_valid():
        try:
            linked = services.declaration_register(actor=user, declaration_id=pk, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Household %(number)s is registered from the declaration, linked, and its lead raised.")
                % {"number": linked.household.number if linked.household else ""},
            )
            return redirect("portal:declaration_detail", pk=pk)
    return _detail(request, declaration, register=form)


@login_required
@require_POST
def declaration_reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """The declarant's full phone number, to call back, for this response only (audited, limited per hour)."""
    user = gate.staff_of(request)
    try:
        value = services.declaration_phone_reveal(actor=user, declaration_id=pk, request=request)
    except PermissionDenied as exc:
        if gate.allowed(user, Declaration, "reveal"):  # the hourly limit, not the role
            return render(request, "registry/_revealed.html", {"error": str(exc)}, status=429)
        raise
    return render(request, "portal/_phone.html", {"value": value})


@login_required
@require_POST
def declaration_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Dismiss the declaration with a reason."""
    user = gate.staff_of(request)
    declaration = _open(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.declaration_dismiss(actor=user, declaration_id=pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The declaration is dismissed."))
            return redirect("portal:declaration_detail", pk=pk)
    return _detail(request, declaration, dismiss=form)


@login_required
@require_GET
def declaration_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The declaration's photo, for the staff who may see the declaration (never a public address)."""
    user = gate.staff_of(request)
    declaration = selectors.declaration_get(viewer=user, declaration_id=pk, request=request)
    if not declaration.photo:
        raise Http404
    try:
        with declaration.photo.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    read_note(what="portal.declaration.photo", region=declaration.village, rows=1)
    content_type = "image/png" if (declaration.photo.name or "").endswith(".png") else "image/jpeg"
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, no-store"  # personal data: not kept by the browser or a proxy
    return response
