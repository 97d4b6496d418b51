"""What the national system (全国防返贫监测信息系统) knows of a person that the archive does not keep itself.

The household's national number is the archive's household number (户编号); a person's national number
(人编号) and identification date (人员识别时间) are kept here, one row per member, so that an export gives
back what an import brought in.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NationalPerson(models.Model):
    """A member's number and identification date in the national system."""

    member = models.OneToOneField(
        "registry.Member", on_delete=models.PROTECT, related_name="national", verbose_name=_("member")
    )
    person_number = models.CharField(_("person number (人编号)"), max_length=40, blank=True)
    identified_on = models.DateField(_("person identified on (人员识别时间)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["member_id"]
        verbose_name = _("national person record")
        verbose_name_plural = _("national person records")

    def __str__(self) -> str:
        return f"{self.member_id} {self.person_number}"
