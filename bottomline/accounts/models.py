"""Staff accounts: each bound to one region and one role, and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from bottomline.regions.models import Level, Region


class Role(models.TextChoices):
    """What a staff member does; the gate decides what each role may do."""

    VILLAGE_CADRE = "village_cadre", _("Village cadre (村干部)")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer (乡镇)")
    COUNTY_OFFICER = "county_officer", _("County officer (县乡村振兴局)")
    PREFECTURE_OFFICER = "prefecture_officer", _("Prefecture officer (市/州)")
    PROVINCE_OFFICER = "province_officer", _("Province officer (省)")
    DEPARTMENT_OFFICER = "department_officer", _("Department data officer (行业部门)")
    AUDITOR = "auditor", _("Auditor (审计/纪检)")
    SYSADMIN = "sysadmin", _("System administrator (系统管理员)")


# The level of region each role works at; ``None`` means any level.
ROLE_LEVEL: dict[str, Level | None] = {
    Role.VILLAGE_CADRE: Level.VILLAGE,
    Role.TOWNSHIP_OFFICER: Level.TOWNSHIP,
    Role.COUNTY_OFFICER: Level.COUNTY,
    Role.PREFECTURE_OFFICER: Level.PREFECTURE,
    Role.PROVINCE_OFFICER: Level.PROVINCE,
    Role.DEPARTMENT_OFFICER: None,
    Role.AUDITOR: None,
    Role.SYSADMIN: None,
}


class Department(models.TextChoices):
    """The departments that send data feeds."""

    HEALTH_INSURANCE = "health_insurance", _("Healthcare security (医保)")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs (民政)")
    EDUCATION = "education", _("Education (教育)")
    HOUSING = "housing", _("Housing and construction (住建)")
    EMERGENCY = "emergency", _("Emergency management (应急管理)")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security (人社)")
    PUBLIC_SECURITY = "public_security", _("Public security (公安)")
    # 残疾证 are issued by 残联, not by 民政: the disability feed is theirs.
    DISABLED_PERSONS_FEDERATION = "disabled_persons_federation", _("Disabled Persons' Federation (残联)")


class User(AbstractUser):
    """A staff member, working inside one region of the tree."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    department = models.CharField(_("department"), max_length=32, choices=Department.choices, blank=True)
    # The staff member's post (职务), e.g. 驻村第一书记: shown with the name wherever they are a case's 帮扶责任人.
    post = models.CharField(_("post"), max_length=50, blank=True)

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="department_officer") | ~models.Q(department=""),
                name="user_department_officer_has_department",
            ),
        ]

    def full_name(self) -> str:
        """The real name as written in Chinese: family name first, no space (the full name is kept in
        ``last_name`` by ``accounts.services.user_save``)."""
        return f"{self.last_name}{self.first_name}".strip()

    def cadre_label(self) -> str:
        """How a responsible cadre (帮扶责任人) is shown: "姓名（职务）"; without a post, the role; without a
        name, the post or the role alone. Never the login name."""
        post = self.post or (self.get_role_display() if self.role else "")
        name = self.full_name()
        if name and post:
            return pgettext("a cadre", "%(name)s (%(post)s)") % {"name": name, "post": post}
        return name or post or gettext("staff member")


class TokenScope(models.TextChoices):
    """What an API token may do: read answers only safe methods (GET), write may also change data."""

    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored, the token is shown once.

    It works until it expires, is revoked (by its owner or an administrator of the owner's region) or the
    owner's password changes (``password_mark`` no longer matches).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # A keyed hash of the owner's password hash when the token was made: a new password ends the token.
    password_mark = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class EnrolmentCode(models.Model):
    """A one-time code an administrator issues, out of band, to let an account set up its second factor.

    Only its SHA-256 is stored; it is shown once to the administrator, ends when used, after a few wrong
    tries, when it expires or when a new code is issued for the same account.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    # None: issued on the server's command line (manage.py enrolment_code), for the first administrator.
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(_("wrong tries"), default=0)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")

    def __str__(self) -> str:
        return f"{self.user} {self.issued_at:%Y-%m-%d %H:%M}"
