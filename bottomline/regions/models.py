"""The five-level division tree with 12-digit statistical codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 12


class Level(models.IntegerChoices):
    """A level of the tree; the value orders them from the top."""

    PROVINCE = 1, _("Province (省)")
    PREFECTURE = 2, _("Prefecture (市/州)")
    COUNTY = 3, _("County (县/区)")
    TOWNSHIP = 4, _("Township (乡/镇/街道)")
    VILLAGE = 5, _("Village (村/社区)")


# How many leading digits of the 12-digit code are significant at each level.
PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


def subtree_bounds(code: str, level: int) -> tuple[str, str]:
    """The code range of a region and everything below it (a range scan on the unique code index)."""
    prefix = code[: PREFIX_LENGTH[Level(level)]]
    pad = CODE_LENGTH - len(prefix)
    return prefix + "0" * pad, prefix + "9" * pad


class Region(models.Model):
    """One division: province, prefecture, county, township or village."""

    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100)
    # Baseline flags the documents count by (issue 14 item 8): a village that was a poverty village (贫困村,
    # now 脱贫村), and a county named a national key county for rural revitalisation (国家乡村振兴重点帮扶县).
    former_poor_village = models.BooleanField(_("former poverty village (贫困村/脱贫村)"), default=False)
    key_county = models.BooleanField(
        _("national key county for rural revitalisation (国家乡村振兴重点帮扶县)"), default=False
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["level", "code"], name="region_level_code")]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="region_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def bounds(self) -> tuple[str, str]:
        """The code range of this region's subtree."""
        return subtree_bounds(self.code, self.level)

    def contains(self, other: Region) -> bool:
        """Whether ``other`` is this region or lies below it."""
        low, high = self.bounds
        return low <= other.code <= high
