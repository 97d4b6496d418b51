"""Reads for the audit trail: what touched data of the viewer's region, whoever acted."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import CharField, F, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event
from bottomline.privacy.masking import remask_id_numbers
from bottomline.regions.models import CODE_LENGTH, PREFIX_LENGTH, Level, Region, subtree_bounds

# Fields never shown in the trail: with the age and sex on the pages, a birth date narrows an ID number to a few
# dozen candidates (docs/data-model.md). No longer recorded (settings), but older entries hold them.
HIDDEN_FIELDS = frozenset({"birth_date"})
# Stored ciphertexts, blind indexes and hashes: unreadable by design, so a change to any of them is one line.
PROTECTED_SUFFIXES = ("_enc", "_index", "_hash", "_sha256", "_mark", "submit_token")
# Labels for bookkeeping fields whose models name them only by their attribute (no translated verbose name).
FIELD_LABELS: dict[str, Any] = {
    "version": pgettext_lazy("audit field", "version"),
    "created_at": pgettext_lazy("audit field", "created at"),
    "updated_at": pgettext_lazy("audit field", "updated at"),
    "recorded_by": pgettext_lazy("audit field", "recorded by"),
    "decided_by": pgettext_lazy("audit field", "decided by"),
    "language": pgettext_lazy("audit field", "language"),
    "user": pgettext_lazy("audit field", "user"),
    "batch": pgettext_lazy("audit field", "data batch"),
    "household": pgettext_lazy("audit field", "household"),
    "member": pgettext_lazy("audit field", "member"),
    "row": pgettext_lazy("audit field", "row"),
    "key": pgettext_lazy("audit field", "key"),
    "name": pgettext_lazy("audit field", "name"),
    "reason": pgettext_lazy("audit field", "reason"),
    "feed_type": pgettext_lazy("audit field", "feed type"),
    "id_number_masked": pgettext_lazy("audit field", "ID number (masked)"),
    "village": pgettext_lazy("audit field", "village"),
    "last": pgettext_lazy("audit field", "last number"),
}
# Models of other packages (and one counter) that have no Chinese name of their own.
MODEL_LABELS: dict[str, Any] = {
    "otp_totp.totpdevice": pgettext_lazy("audit object", "authenticator app (TOTP)"),
    "otp_static.staticdevice": pgettext_lazy("audit object", "backup codes"),
    "otp_static.statictoken": pgettext_lazy("audit object", "backup code"),
    "registry.householdcounter": pgettext_lazy("audit object", "household number counter"),
}
# Stored codes that a higher app names in words ("app_label.model.field" → label of a code), set at app ready:
# the audit app sits below the apps whose codes these are (DESIGN.md §10).
VALUE_LABELS: dict[str, Callable[[str], str]] = {}


def model_label(model: type[models.Model]) -> str:
    """A model's name in the viewer's language."""
    meta = model._meta
    return str(MODEL_LABELS.get(f"{meta.app_label}.{meta.model_name}", meta.verbose_name))


def event_list(*, viewer: User) -> QuerySet[Event]:
    """Security events in the viewer's region, newest first; events of no region (a failed login for a name
    nobody has) go to the auditors at the top of the tree."""
    events = gate.restrict(Event.objects.select_related("region"), viewer, "view")
    if gate.allowed(viewer, Event, "view") and viewer.region.parent_id is None:
        events |= Event.objects.select_related("region").filter(region__isnull=True)
    return events


def change_list(*, viewer: User) -> QuerySet[LogEntry]:
    """Model changes of objects in the viewer's region (by the region noted on the entry, else the actor's),
    newest first."""
    entries = LogEntry.objects.select_related("actor", "content_type").annotate(
        region_touched=Coalesce(
            KeyTextTransform("region", "additional_data"), F("actor__region__code"), output_field=CharField()
        )
    )
    return gate.restrict(entries, viewer, "view").order_by("-timestamp")


# ---- The auditor's log: filtered, paged by key, read in a fixed number of queries, shown in words ----

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000  # rows of one CSV export; narrower filters for more

# Derived rows rebuilt in bulk (dashboard figures): not anyone's change. No longer recorded (settings), but
# older entries hold the refreshes in the name of whoever ran the screening that triggered them.
UNTRACKED_MODELS = (("dashboards", "villagemonth"), ("dashboards", "regionmonth"))

ACTION_LABELS: dict[int, Any] = {
    LogEntry.Action.CREATE: pgettext_lazy("change action", "created"),
    LogEntry.Action.UPDATE: pgettext_lazy("change action", "changed"),
    LogEntry.Action.DELETE: pgettext_lazy("change action", "deleted"),
    LogEntry.Action.ACCESS: pgettext_lazy("change action", "accessed"),
}


def query_int(raw: str) -> int | None:
    """A query string's whole number: ASCII digits within 64 bits, else None (``int`` refuses superscripts that
    ``str.isdigit`` accepts, and a larger number overflows the database)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


@dataclass(frozen=True)
class ChangeFilters:
    """What the auditor narrowed the log to (every part optional)."""

    person: str = ""  # a username
    action: int | None = None
    object_type: str = ""  # "app_label.model"
    region: str = ""  # a region code: its subtree
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ChangeFilters:
        """The filters of a query string; values that do not parse are left out."""
        action: int | None = None
        raw_action = query_int(query.get("action", "").strip())
        if raw_action in ACTION_LABELS:
            action = raw_action
        object_type = query.get("object_type", "").strip()
        if object_type.count(".") != 1:
            object_type = ""
        region = query.get("region", "").strip()
        return cls(
            person=query.get("person", "").strip()[:150],
            action=action,
            object_type=object_type,
            region=region if region.isdigit() and len(region) == CODE_LENGTH else "",
            since=_date(query.get("since", "")),
            until=_date(query.get("until", "")),
        )

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (for the next page's and the export's links)."""
        values = {
            "person": self.person,
            "action": "" if self.action is None else str(self.action),
            "object_type": self.object_type,
            "region": self.region,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class FieldChange:
    """One changed field, in words: its label, and its value before and after."""

    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return _("%(label)s: %(before)s → %(after)s") % {
            "label": self.label,
            "before": self.before,
            "after": self.after,
        }

    def html(self) -> SafeString:
        """The change as the log page shows it: the values marked as data, not words to translate (they are
        whatever was stored: a name, a number, a file's random name)."""
        return mark_safe(  # noqa: S308  (every part is escaped here)
            conditional_escape(_("%(label)s: %(before)s → %(after)s"))
            % {
                "label": conditional_escape(self.label),
                "before": format_html('<span translate="no">{}</span>', self.before),
                "after": format_html('<span translate="no">{}</span>', self.after),
            }
        )


@dataclass(frozen=True)
class ChangeRow:
    """One change-log entry as the auditor reads it."""

    id: int
    model: str  # the content type's model name
    object_pk: str
    at: datetime
    actor: str
    ip: str
    object_type: str
    object_repr: str
    action_code: int
    action: str
    fields: list[FieldChange]

    @property
    def fields_text(self) -> str:
        """The changed fields on one line (the export's cell)."""
        return str(_("; ")).join(str(f) for f in self.fields)


def change_filtered(*, viewer: User, filters: ChangeFilters) -> QuerySet[LogEntry]:
    """The model changes of the viewer's region narrowed by ``filters``, newest first (by id)."""
    entries = change_list(viewer=viewer).exclude(
        content_type__in=[ContentType.objects.get_by_natural_key(*m) for m in _known(UNTRACKED_MODELS)]
    )
    if filters.person:
        entries = entries.filter(actor__username=filters.person)
    if filters.action is not None:
        entries = entries.filter(action=filters.action)
    if filters.object_type:
        app_label, model = filters.object_type.split(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
    if filters.region:
        level = next(lv for lv in sorted(Level) if not filters.region[PREFIX_LENGTH[lv] :].strip("0"))
        entries = entries.filter(region_touched__range=subtree_bounds(filters.region, level))
    if filters.since is not None:
        entries = entries.filter(timestamp__gte=_day_start(filters.since))
    if filters.until is not None:
        entries = entries.filter(timestamp__lt=_day_start(filters.until + timedelta(days=1)))
    return entries.order_by("-id")


def _known(models: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The (app label, model) pairs of ``models`` that are installed."""
    found = []
    for app_label, model in models:
        try:
            apps.get_model(app_label, model)
        except LookupError:
            continue
        found.append((app_label, model))
    return found


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def change_page(
    *, viewer: User, filters: ChangeFilters, before: int | None = None, size: int = PAGE_SIZE
) -> tuple[list[ChangeRow], int | None]:
    """One page of the log (entries older than the entry ``before``), and the key of the next page (None: the
    last page). A fixed number of queries, whatever the page's length."""
    entries = change_filtered(viewer=viewer, filters=filters)
    if before is not None:
        entries = entries.filter(pk__lt=before)
    found = list(entries[: size + 1])
    rows = change_rows(found[:size])
    return rows, (rows[-1].id if len(found) > size and rows else None)


def change_rows(entries: list[LogEntry]) -> list[ChangeRow]:
    """The entries in words: model and field names in the viewer's language, choices by their labels, the
    regions and users a change points to by their names (one query for each, for the whole list), hidden
    fields left out and ID numbers in today's mask."""
    parsed = [(entry, _changes(entry)) for entry in entries]
    regions: set[str] = set()
    users: set[str] = set()
    for entry, changes in parsed:
        model = entry.content_type.model_class()
        for name, values in changes.items():
            field = _field(model, name)
            if isinstance(field, models.ForeignKey):
                target = field.related_model
                bucket = regions if target is Region else users if target is User else None
                if bucket is not None:
                    bucket.update(str(v) for v in values if v not in (None, "None", ""))
    region_names = _names(Region, "name", regions)
    user_names = _names(User, "username", users)
    rows = []
    for entry, changes in parsed:
        model = entry.content_type.model_class()
        fields = []
        protected = False
        for name, values in changes.items():
            field = _field(model, name)
            if field is not None and not getattr(field, "concrete", False):
                continue  # a reverse relation: auditlog records "app.Model.None", nothing changed here
            if name.endswith(PROTECTED_SUFFIXES):
                protected = True
                continue
            before, after = [*values, None, None][:2]
            key = f"{entry.content_type.app_label}.{entry.content_type.model}.{name}"
            fields.append(
                FieldChange(
                    label=_label(field, name),
                    before=_shown(field, before, region_names, user_names, VALUE_LABELS.get(key)),
                    after=_shown(field, after, region_names, user_names, VALUE_LABELS.get(key)),
                )
            )
        if protected:
            fields.append(
                FieldChange(_("Encrypted or hashed fields"), "—", pgettext("audit value", "changed"))
            )
        actor = entry.actor
        rows.append(
            ChangeRow(
                id=entry.pk,
                model=entry.content_type.model,
                object_pk=entry.object_pk,
                at=entry.timestamp,
                actor=actor.username if actor is not None else "",
                ip=entry.remote_addr or "",
                object_type=model_label(model) if model is not None else entry.content_type.model,
                object_repr=remask_id_numbers(entry.object_repr),
                action_code=entry.action,
                action=str(ACTION_LABELS.get(entry.action, entry.action)),
                fields=fields,
            )
        )
    return rows


def _changes(entry: LogEntry) -> dict[str, list[Any]]:
    changes = entry.changes_dict
    return {
        name: values if isinstance(values, list) else [None, values]
        for name, values in changes.items()
        if name not in HIDDEN_FIELDS
    }


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(field: Any, name: str) -> str:
    """A field's label: its verbose name when the model gives one (a translated text), else ours."""
    verbose = getattr(field, "verbose_name", None)
    if verbose is not None and not isinstance(verbose, str):  # gettext_lazy: named by the model
        return str(verbose)
    return str(FIELD_LABELS.get(name, verbose or name))


def _names(model: type[models.Model], label: str, keys: set[str]) -> dict[str, str]:
    """The ``label`` of each object of ``model`` whose key is in ``keys`` (one query; none when empty)."""
    wanted = [k for k in keys if query_int(k) is not None]
    if not wanted:
        return {}
    return {
        str(pk): str(name)
        for pk, name in model._default_manager.filter(pk__in=wanted).values_list("pk", label)
    }


def _shown(
    field: Any,
    value: Any,
    regions: dict[str, str],
    users: dict[str, str],
    named: Callable[[str], str] | None = None,
) -> str:
    """One stored value (auditlog keeps strings) as the auditor reads it."""
    if value is None or value == "None" or value == "":
        return "—"
    text = str(value)
    if named is not None:
        return named(text)
    if isinstance(field, models.FileField):
        return _("a file")  # its stored path is a random name, not for reading
    if isinstance(field, models.ForeignKey):
        names = regions if field.related_model is Region else users if field.related_model is User else {}
        return names.get(text, f"#{text}")
    if isinstance(field, models.BooleanField):
        return (
            pgettext("boolean", "yes")
            if text in ("True", "true", "1")
            else pgettext("boolean", "no")
            if text in ("False", "false", "0")
            else text
        )
    choices = getattr(field, "flatchoices", None)
    if choices:
        for key, label in choices:
            if str(key) == text:
                return str(label)
    return remask_id_numbers(text) if text else "—"


def change_export_rows(*, viewer: User, filters: ChangeFilters, chunk: int = 1000) -> Iterator[ChangeRow]:
    """The filtered changes for an export, at most ``EXPORT_LIMIT``, read a page of ``chunk`` at a time (by
    key: each page a fixed number of queries)."""
    before: int | None = None
    left = EXPORT_LIMIT
    while left > 0:
        rows, before = change_page(viewer=viewer, filters=filters, before=before, size=min(chunk, left))
        yield from rows
        left -= len(rows)
        if before is None:
            return


def event_filtered(*, viewer: User, filters: ChangeFilters) -> QuerySet[Event]:
    """The security events of the viewer's region narrowed by the filters that apply to them (person, region,
    dates), newest first."""
    events = event_list(viewer=viewer)
    if filters.person:
        events = events.filter(username=filters.person)
    if filters.region:
        level = next(lv for lv in sorted(Level) if not filters.region[PREFIX_LENGTH[lv] :].strip("0"))
        low, high = subtree_bounds(filters.region, level)
        events = events.filter(region__code__range=(low, high))
    if filters.since is not None:
        events = events.filter(at__gte=_day_start(filters.since))
    if filters.until is not None:
        events = events.filter(at__lt=_day_start(filters.until + timedelta(days=1)))
    return events.order_by("-at", "-id")
