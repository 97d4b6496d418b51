from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "bottomline.registry"
    verbose_name = _("Registry (农户档案)")

    def ready(self) -> None:
        from bottomline.registry import importing, rotation, synth  # noqa: F401  (register their jobs)
