from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    name = "bottomline.employment"
    verbose_name = _("Employment and training")

    def ready(self) -> None:
        from bottomline.employment import exports, imports, selectors  # noqa: F401  (the export and import jobs)
        from bottomline.registry.programs import household_lines_register

        household_lines_register(selectors.household_lines)
