from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "bottomline.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from bottomline.engine.services import NEWLY_AT_RISK
        from bottomline.monitoring import jobs  # noqa: F401  (registers the bulk-step job)
        from bottomline.monitoring.services import leads_from_run

        if leads_from_run not in NEWLY_AT_RISK:
            NEWLY_AT_RISK.append(leads_from_run)
