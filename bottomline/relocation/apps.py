from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelocationConfig(AppConfig):
    name = "bottomline.relocation"
    verbose_name = _("Relocation follow-up")

    def ready(self) -> None:
        from bottomline.registry.programs import household_lines_register
        from bottomline.relocation import exports, importing  # noqa: F401  (register their jobs)
        from bottomline.relocation.lines import relocation_lines

        household_lines_register(relocation_lines)  # the household page shows the household's relocation
