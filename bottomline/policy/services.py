"""Setting policy parameters: a change is a new row; the row it replaces is kept, marked superseded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import Role, User
from bottomline.policy.models import Parameter, ParameterName
from bottomline.policy.selectors import parameters_for
from bottomline.regions.models import Level, Region

# Which level sets which parameters: provinces set lines and thresholds; a county may set a higher line.
SETTER_LEVEL = {Role.PROVINCE_OFFICER: Level.PROVINCE, Role.COUNTY_OFFICER: Level.COUNTY}
COUNTY_MAY_SET = {ParameterName.MONITORING_LINE}


@transaction.atomic
def parameter_set(
    *,
    actor: User,
    name: str,
    region: Region,
    value: Decimal,
    effective_from: date,
    source: str,
    effective_to: date | None = None,
) -> Parameter:
    """Set a parameter for the actor's own province (or, for the monitoring line, county) from a date."""
    gate.require(actor, Parameter, "change")
    if region.pk != actor.region_id or SETTER_LEVEL.get(Role(actor.role)) != region.level:
        raise PermissionDenied(_("Parameters are set for one's own province, or a county's own line."))
    if region.level == Level.COUNTY and name not in COUNTY_MAY_SET:
        raise PermissionDenied(_("A county may set only its monitoring line."))
    if not source.strip():
        raise ValidationError({"source": _("Name the policy document this value comes from.")})
    if name == ParameterName.MONITORING_LINE and region.level == Level.COUNTY:
        province_line = parameters_for(region=region, on=effective_from, above_own=True).get(name)
        if province_line is not None and value < province_line:
            raise ValidationError(
                {
                    "value": _("A county's line may not be below its province's (%(line)s).")
                    % {"line": province_line}
                }
            )
    Parameter.objects.filter(
        name=name, region=region, effective_from=effective_from, superseded_at__isnull=True
    ).update(superseded_at=timezone.now())
    parameter = Parameter(
        name=name,
        region=region,
        value=value,
        effective_from=effective_from,
        effective_to=effective_to,
        source=source.strip(),
        changed_by=actor,
    )
    parameter.full_clean()
    parameter.save()
    return parameter
