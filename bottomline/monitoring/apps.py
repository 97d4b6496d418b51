from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "bottomline.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from bottomline.monitoring import jobs  # noqa: F401  (registers the bulk-step job)
