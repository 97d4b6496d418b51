from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Region figures: indicators pre-aggregated per village and month, rolled up by code prefix."""

    name = "bottomline.dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from bottomline.dashboards import exports  # noqa: F401  (registers the dashboard export job)
        from bottomline.dashboards.services import figures_after_step
        from bottomline.monitoring.casework import AFTER_STEP

        if figures_after_step not in AFTER_STEP:  # the figures follow every step on a case
            AFTER_STEP.append(figures_after_step)
