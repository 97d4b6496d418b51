from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PvConfig(AppConfig):
    name = "bottomline.pv"
    verbose_name = _("Village PV stations and public-welfare posts")

    def ready(self) -> None:
        from bottomline.pv import exports, imports  # noqa: F401  (register their jobs)
        from bottomline.pv.selectors import household_post_lines
        from bottomline.registry.programs import household_lines_register

        household_lines_register(household_post_lines)
