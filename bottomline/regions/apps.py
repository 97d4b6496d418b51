from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "bottomline.regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        from bottomline.regions import jobs  # noqa: F401  (registers the region load job)
