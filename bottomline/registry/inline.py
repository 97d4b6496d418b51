"""A record's small sets of related rows read with it, in its own query: each set as one JSON array beside the
record's row (``with_inline``), made into model instances as the ORM makes them (``inline_attach``). One query for
a household and its incomes and feed events, where ``prefetch_related`` takes one more for each set (W4, issue #16:
one household online in at most 3 queries).

The values pass through the same converters a query's do (the database's, then the field's), so an instance read
inline equals one read by the ORM, field by field and type by type; on PostgreSQL, where the driver converts and
JSON carries dates and times as text, the field's ``to_python`` reads them. Numbers keep their digits: SQLite gives
floats, as its driver does, and PostgreSQL's JSON numbers are read as decimals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connections, models
from django.db.models import Aggregate, F, OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import JSONObject

M = TypeVar("M", bound=models.Model)


class _RowsJSON(Aggregate):
    """The rows of a group as one JSON array (text)."""

    function = "JSON_GROUP_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra)


def _key(name: str) -> str:
    return f"{name}_inline"


def _related(model: type[models.Model], name: str) -> tuple[type[models.Model], str]:
    """The model of a reverse foreign key's rows and the name of their key to ``model``."""
    relation = model._meta.get_field(name)
    if not isinstance(relation, models.ManyToOneRel):
        raise ValueError(f"{model.__name__}.{name} is not a set of related rows")
    return relation.related_model, relation.field.name


def with_inline(queryset: QuerySet[M], names: Sequence[str]) -> QuerySet[M]:
    """The records with each set of related rows ``names`` (reverse foreign keys) beside them, for
    ``inline_attach``."""
    for name in names:
        model, key = _related(queryset.model, name)
        fields = {f.attname: F(f.attname) for f in model._meta.concrete_fields}
        rows = (
            model._default_manager.filter(**{key: OuterRef("pk")})
            .order_by()
            .values(key)
            .annotate(rows=_RowsJSON(JSONObject(**fields)))
            .values("rows")
        )
        queryset = queryset.annotate(**{_key(name): Subquery(rows)})
    return queryset


def _reader(field: models.Field[Any, Any], connection: Any) -> Any:
    """A JSON value of ``field`` as the ORM gives it: the database's and the field's converters, then
    ``to_python`` (a date or a time as text from PostgreSQL's JSON)."""
    column = field.get_col(field.model._meta.db_table)
    converters = [*connection.ops.get_db_converters(column), *field.get_db_converters(connection)]
    typed = (field.output_field or field) if isinstance(field, models.GeneratedField) else field
    python = typed.to_python

    def read(value: Any) -> Any:
        for convert in converters:
            value = convert(value, column, connection)
        return None if value is None else python(value)

    return read


def inline_attach(record: models.Model, orderings: Mapping[str, Sequence[str]]) -> None:
    """Make the sets ``with_inline`` read into instances, each ordered as given (field names, ``-`` for
    descending), and put them where ``prefetch_related`` puts its own: ``record.<name>.all()`` reads no more."""
    connection = connections[record._state.db or "default"]
    floats = Decimal if connection.vendor == "postgresql" else float
    cache = record.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, ordering in orderings.items():
        model, key = _related(type(record), name)
        fields = model._meta.concrete_fields
        readers = [(f.attname, _reader(f, connection)) for f in fields]
        raw = record.__dict__.pop(_key(name))
        rows = json.loads(raw, parse_float=floats) if raw else []
        found = [
            model.from_db(
                connection.alias, [f.attname for f in fields], [read(row[at]) for at, read in readers]
            )
            for row in rows
        ]
        for made in found:  # each row's own record, as prefetch_related sets it
            setattr(made, key, record)
        for term in reversed(ordering):  # stable sorts, the last key first
            found.sort(key=attrgetter(term.lstrip("-")), reverse=term.startswith("-"))
        rows_set = getattr(record, name).get_queryset()
        rows_set._result_cache = found  # as prefetch_related fills a related manager's set
        rows_set._prefetch_done = True
        cache[name] = rows_set
