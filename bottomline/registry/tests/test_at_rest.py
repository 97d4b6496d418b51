"""Known ID numbers and phones, once registered, appear in the clear neither in the database file nor in the logs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bottomline.registry.tests.factories import household, id_number, member


def stored_bytes() -> bytes:
    """SQLite: the database file and its write-ahead log as they are on disk. PostgreSQL: every row of every
    table as text."""
    if connection.vendor == "sqlite":
        connection.close()
        name = Path(connection.settings_dict["NAME"])
        return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        chunks: list[str] = []
        for table in tables:
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')  # noqa: S608  (names from the catalogue)
            chunks.extend(row[0] for row in cursor.fetchall())
    return "\n".join(chunks).encode()


@pytest.mark.django_db(transaction=True)
def test_known_numbers_are_not_in_the_database_file_or_the_logs(
    client: Client, tree: Any, personas: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    numbers = [id_number(sequence=s) for s in range(200, 220)]
    phones = [f"139{n:08d}" for n in range(20)]
    cadre = personas["village_cadre"]
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        for n, phone in zip(numbers, phones, strict=True):
            member(cadre, household(cadre, tree.village, phone=phone), n)
        client.force_login(cadre)
        client.get("/registry/households/", {"id_number": numbers[0]})
        client.post(
            "/registry/households/new/",
            {
                "village": tree.village.pk,
                "household_type": "x",
                "housing_grade": "A",
                "welfare": "none",
                "phone": phones[0],
            },
        )
    stored = stored_bytes()
    assert len(stored) > 10_000
    logged = caplog.text + " ".join(q["sql"] for q in queries.captured_queries)
    for secret in numbers + phones:
        assert secret.encode() not in stored, secret
        assert secret not in logged, secret
