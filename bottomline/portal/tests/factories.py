"""Declarations for tests: through the service, as the public form makes them."""

from __future__ import annotations

from typing import Any

from bottomline.portal.models import Declaration
from bottomline.portal.services import declaration_submit
from bottomline.registry.tests.factories import id_number


def declaration(village: Any, *, sequence: int = 900, **overrides: Any) -> Declaration:
    """An unmatched declaration (an ID nobody registered) from ``village``, not rate-limited."""
    values: dict[str, Any] = {
        "name": "李四",
        "phone": f"139{sequence:08d}",
        "id_number": id_number(sequence=sequence),
        "village_code": village.code,
        "risk_type": "illness",
        "description": "",
        "consent": True,
        "client_ip": None,
    }
    values.update(overrides)
    declared = declaration_submit(**values)
    return Declaration.objects.get(receipt=declared.receipt)
