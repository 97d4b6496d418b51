"""User management in the admin site, through the region gate."""

from __future__ import annotations

from typing import Any, NoReturn

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user

from bottomline.accounts import gate, services
from bottomline.accounts.models import ApiToken, User
from bottomline.admin import site
from bottomline.regions.models import Region


class ApiTokenInline(admin.TabularInline):  # type: ignore[type-arg]  # generic in name only, as above
    """An account's API tokens, to see at a glance; they are revoked with the list's action."""

    model = ApiToken
    fields = ("name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return gate.allowed(request.user, User, "view")


@admin.action(description=_("Revoke the API tokens of the selected accounts"))
def revoke_tokens(modeladmin: Any, request: HttpRequest, queryset: QuerySet[User]) -> None:
    actor = gate.staff_of(request)
    revoked = sum(services.token_revoke_all(user=actor, account_id=account.pk) for account in queryset)
    modeladmin.message_user(request, _("%(n)d API tokens revoked.") % {"n": revoked})


class AccountRules(forms.ModelForm):  # type: ignore[type-arg]  # mixed into the admin's user forms
    """The service's rules (role fits region, department fits role) as form errors, before anything is saved."""

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        instance = self.instance
        region = data.get("region") or (instance.region if instance.region_id else None)
        try:
            services.user_rules_check(
                role=data.get("role", instance.role),
                region=region,
                department=data.get("department", instance.department) or "",
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class AccountChangeForm(AccountRules, UserChangeForm[User]):
    """The admin's change form with the account rules."""


class AccountCreationForm(AccountRules, AdminUserCreationForm[User]):
    """The admin's add form with the account rules."""


class ScopedUserAdmin(UserAdmin):  # type: ignore[type-arg]  # django-stubs' UserAdmin is generic in name only
    """System administrators manage the accounts of their own region subtree."""

    list_display = ("username", "first_name", "last_name", "role", "region", "department", "is_active")
    list_filter = ("role", "department", "is_active")
    search_fields = ("username", "first_name", "last_name")
    raw_id_fields = ("region",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (_("Work"), {"fields": ("role", "region", "department", "is_active")}),
        (_("Second factor"), {"fields": ("second_factor",)}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Work"), {"fields": ("role", "region", "department")}),
    )
    readonly_fields = ("last_login", "date_joined", "second_factor")
    inlines = (ApiTokenInline,)
    actions = (revoke_tokens,)
    form = AccountChangeForm
    add_form = AccountCreationForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            # Who an administrator is in the gate is changed by another administrator, never by themselves.
            return fields + tuple(sorted(services.SELF_LOCKED.difference(fields)))
        return fields

    def get_urls(self) -> list[URLPattern]:
        enrolment = path(
            "<path:object_id>/enrolment/",
            self.admin_site.admin_view(self.enrolment_view),
            name="accounts_user_enrolment",
        )
        return [enrolment, *super().get_urls()]

    def enrolment_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Issue a one-time second-factor enrolment code for the account (POST), shown on this page once."""
        account = self.get_object(request, unquote(object_id))
        if account is None:
            raise Http404
        code = None
        if request.method == "POST":
            code = services.enrolment_issue(
                actor=gate.staff_of(request), account_id=account.pk, request=request
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Second-factor enrolment"),
            "opts": self.opts,
            "original": account,
            "code": code,
            "hours": settings.ENROLMENT_CODE_HOURS,
        }
        return TemplateResponse(request, "admin/accounts/user/enrolment.html", context)

    @admin.display(description=_("second factor"))
    def second_factor(self, obj: User) -> str:
        if obj.pk is None:
            return "—"
        state = _("set up") if any(devices_for_user(obj, confirmed=True)) else _("not set up")
        url = reverse("admin:accounts_user_enrolment", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', state, url, _("Issue an enrolment code"))

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.account_save(actor=gate.staff_of(request), account=obj, request=request)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response: HttpResponse = super().user_change_password(request, id, form_url)
        # Django's view redirects to the account's page once the password is set (to itself when the form
        # was contradictory, and answers 200 with errors): only the first is a change.
        if (
            request.method == "POST"
            and response.status_code == 302
            and response["Location"] != request.get_full_path()
        ):
            account = self.get_object(request, unquote(id))
            if account is not None:
                services.password_reset_audit(actor=gate.staff_of(request), account=account, request=request)
        return response

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return gate.restrict(super().get_queryset(request), request.user, "view")

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "region":
            kwargs["queryset"] = gate.restrict(Region.objects.all(), request.user, "view")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return gate.allowed(request.user, User, "view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return gate.allowed(request.user, User, "view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return gate.allowed(request.user, User, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return gate.allowed(request.user, User, "change")

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> NoReturn:
        # Django's admin redirects to its index for a missing object; outside the region it must not exist.
        raise Http404

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail points at them


site.register(User, ScopedUserAdmin)
