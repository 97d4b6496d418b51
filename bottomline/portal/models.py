"""The public self-declaration portal (农户自主申报): declarations, and the attempts that rate-limit it.

A declaration's name, phone, ID number and description are stored encrypted (``*_enc``) with the masked forms
staff see; the ID and phone also carry the registry's blind indexes, so a declaration can be matched to a
registered member without decrypting anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bottomline.privacy.fields import EncryptedTextField
from bottomline.registry.choices import RiskType

# Encryption purposes of the declaration's own columns (a value copied elsewhere does not decrypt); the ID and
# phone indexes use the registry's purposes, so that they match a member's or a household's index.
NAME_PURPOSE = "declaration.name"
ID_ENC_PURPOSE = "declaration.id_number"
PHONE_ENC_PURPOSE = "declaration.phone"
DESCRIPTION_PURPOSE = "declaration.description"


class DeclarationStatus(models.TextChoices):
    """What became of a declaration."""

    MATCHED = "matched", _("Matched to a registered household")
    UNMATCHED = "unmatched", _("Waiting to be linked")
    LINKED = "linked", _("Linked to a household by staff")
    DISMISSED = "dismissed", _("Dismissed")


class Declaration(models.Model):
    """A household's own declaration of hardship, sent through the public portal."""

    receipt = models.CharField(_("receipt number"), max_length=12, unique=True)
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    name_enc = EncryptedTextField(purpose=NAME_PURPOSE)
    name_masked = models.CharField(_("name"), max_length=50)
    phone_enc = EncryptedTextField(purpose=PHONE_ENC_PURPOSE)
    phone_index = models.CharField(max_length=64)  # indexed in Meta, as in registry.models
    phone_masked = models.CharField(_("phone"), max_length=20)
    id_number_enc = EncryptedTextField(purpose=ID_ENC_PURPOSE)
    id_number_index = models.CharField(max_length=64)
    id_number_masked = models.CharField(_("ID number"), max_length=20)
    risk_type = models.CharField(_("risk type"), max_length=24, choices=RiskType.choices)
    description_enc = EncryptedTextField(
        blank=True, purpose=DESCRIPTION_PURPOSE
    )  # free text may name an illness: encrypted like the rest
    # An optional photo of the hardship, sealed with the field keys by the default storage (privacy.storage) and
    # served only to staff through the gate.
    photo = models.FileField(_("photo"), upload_to="declarations/%Y/%m/", blank=True)
    language = models.CharField(max_length=8, blank=True)  # the page's language when it was sent
    consent_at = models.DateTimeField(_("consent given"))
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.UNMATCHED
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("household"),
    )
    lead = models.ForeignKey(
        "monitoring.Lead",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("lead"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    dismiss_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        indexes = [
            models.Index(fields=["phone_index"], name="declaration_phone_index"),
            models.Index(fields=["id_number_index"], name="declaration_id_number_index"),
            models.Index(fields=["status", "created_at"], name="declaration_status_created"),
        ]

    def __str__(self) -> str:
        return self.receipt


class AttemptKind(models.TextChoices):
    """What a counted attempt was, and what its key is the blind index of."""

    DECLARE_IP = "declare_ip", _("Declaration from an address")
    DECLARE_PHONE = "declare_phone", _("Declaration with a phone number")
    STATUS_IP = "status_ip", _("Receipt look-up from an address")


class Attempt(models.Model):
    """One counted try at a public form, keyed by a blind index of the address or phone (never the value).

    Kept in the database, not in a process's memory, so the limits hold across the server's processes; rows
    older than the longest window are pruned as new ones arrive.
    """

    kind = models.CharField(max_length=16, choices=AttemptKind.choices)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "at"], name="attempt_kind_key_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
