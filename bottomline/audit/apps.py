from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "bottomline.audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from bottomline.audit import receivers  # noqa: F401  (connects the login signals)
