from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "bottomline.portal"
    verbose_name = _("Self-declaration portal")

    def ready(self) -> None:
        from bottomline.portal.links import poster_links
        from bottomline.regions.links import region_links_register

        region_links_register(poster_links)  # the region page offers the village's or township's posters
