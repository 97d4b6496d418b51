from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "bottomline.points"
    verbose_name = _("Points supermarkets")

    def ready(self) -> None:
        from bottomline.points import exports, importing  # noqa: F401  (register their jobs)
        from bottomline.points.lines import points_lines
        from bottomline.registry.programs import household_lines_register

        household_lines_register(points_lines)  # the household page shows the household's point balance
