from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndustryConfig(AppConfig):
    name = "bottomline.industry"
    verbose_name = _("Industries and benefit linkage")

    def ready(self) -> None:
        from bottomline.industry import exports, importing  # noqa: F401  (their jobs)
        from bottomline.industry.selectors import household_lines
        from bottomline.registry.programs import household_lines_register

        household_lines_register(household_lines)  # the household page lists the household's linkages
