from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "bottomline.interop"
    verbose_name = _("Exchange with the national monitoring system")

    def ready(self) -> None:
        from bottomline.interop import importing  # noqa: F401  (registers its job)
