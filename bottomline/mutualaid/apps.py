from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MutualaidConfig(AppConfig):
    name = "bottomline.mutualaid"
    verbose_name = _("Village mutual-aid funds")

    def ready(self) -> None:
        from bottomline.mutualaid import exports, importing  # noqa: F401  (register their jobs)
        from bottomline.mutualaid.lines import mutualaid_lines
        from bottomline.registry.programs import household_lines_register

        household_lines_register(mutualaid_lines)  # the household page lists its fund membership and loans
