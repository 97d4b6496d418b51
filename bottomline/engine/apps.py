from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "bottomline.engine"
    verbose_name = _("Batch screening")

    def ready(self) -> None:
        from bottomline.engine import proposals, services  # noqa: F401  (register the screening and proposals' jobs)
