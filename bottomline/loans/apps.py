from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    name = "bottomline.loans"
    verbose_name = _("Small loans")

    def ready(self) -> None:
        from bottomline.loans import exports, importing, jobs  # noqa: F401  (register their jobs)
        from bottomline.loans.lines import loan_lines
        from bottomline.registry.programs import household_lines_register

        household_lines_register(loan_lines)  # the household page lists the household's loans with balance
