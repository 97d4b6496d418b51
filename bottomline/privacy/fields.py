"""The model field that holds ciphertext, so that every encrypted column can be found from the models.

A key rotation, a key check and a backup must reach every column encrypted under the field keys; a list kept
by hand missed the portal's columns once. Declaring a column as ``EncryptedTextField(purpose=...)`` is what puts
it on that list.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models

from bottomline.privacy.storage import EncryptedFileStorage


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]  # a TextField of str, like its parent
    """Text ``<key id>:<base64>`` made by ``crypto.encrypt`` with this field's ``purpose`` ("" when empty)."""

    def __init__(self, *args: Any, purpose: str, **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        # Migrations see the plain TextField the column is: declaring a column encrypted changes nothing in the
        # database (a changed field path would make SQLite rebuild the whole table, a million members).
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs

    def clone(self) -> EncryptedTextField:
        _name, _path, args, kwargs = super().deconstruct()
        return self.__class__(*args, purpose=self.purpose, **kwargs)


def encrypted_columns() -> list[tuple[type[models.Model], str, str]]:
    """Every encrypted column of every installed model: ``(model, field name, purpose)``, in a stable order."""
    return [
        (model, field.name, field.purpose)
        for model in sorted(apps.get_models(), key=lambda m: m._meta.label)
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def encrypted_file_fields() -> list[tuple[type[models.Model], str]]:
    """Every file field whose files are sealed with the field keys: ``(model, field name)``."""
    return [
        (model, field.name)
        for model in sorted(apps.get_models(), key=lambda m: m._meta.label)
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and isinstance(field.storage, EncryptedFileStorage)
    ]
