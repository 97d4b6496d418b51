"""manage.py policy_seed: load the parameters known from public sources (policy/data/parameters.csv), with
the documents they rest on in Chinese for the policy page's 政策依据 (policy/data/basis.csv)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from bottomline.policy.models import Parameter
from bottomline.regions.models import Region

DATA = Path(__file__).resolve().parents[2] / "data" / "parameters.csv"
BASIS = DATA.with_name("basis.csv")  # (name, region, effective_from) → 政策依据


def _bases() -> dict[tuple[str, str, str], str]:
    with BASIS.open(encoding="utf-8", newline="") as handle:
        return {(r["name"], r["region"], r["effective_from"]): r["basis"] for r in csv.DictReader(handle)}


class Command(BaseCommand):
    help = "Add the sourced policy parameters that are missing (regions not loaded are skipped). Re-runnable."

    def handle(self, *args: Any, **options: Any) -> None:
        added = skipped = 0
        bases = _bases()
        with DATA.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                region = Region.objects.filter(code=row["region"]).first() if row["region"] else None
                if row["region"] and region is None:
                    skipped += 1
                    continue
                basis = bases.get((row["name"], row["region"], row["effective_from"]), "")
                parameter, created = Parameter.objects.get_or_create(
                    name=row["name"],
                    region=region,
                    effective_from=date.fromisoformat(row["effective_from"]),
                    superseded_at__isnull=True,
                    defaults={
                        "value": Decimal(row["value"]),
                        "effective_to": date.fromisoformat(row["effective_to"])
                        if row["effective_to"]
                        else None,
                        "source": row["source"],
                        "basis": basis,
                    },
                )
                added += created
                if not created and not parameter.basis and basis:
                    # A row seeded before the basis existed gets it (the value and the source stay as set).
                    Parameter.objects.filter(pk=parameter.pk).update(basis=basis)
        self.stdout.write(f"policy parameters: {added} added, {skipped} skipped (region not loaded)")
