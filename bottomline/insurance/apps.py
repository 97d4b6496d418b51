from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "bottomline.insurance"
    verbose_name = _("Anti-poverty insurance")

    def ready(self) -> None:
        from bottomline.insurance import importing, jobs  # noqa: F401  (register their jobs)
        from bottomline.insurance.lines import insurance_lines
        from bottomline.registry.programs import household_lines_register

        household_lines_register(insurance_lines)  # the household page lists its coverage and claims
