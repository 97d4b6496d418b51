from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "bottomline.registry"
    verbose_name = _("Registry (农户档案)")

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from bottomline.registry import exports, importing, income_import, rotation, synth  # noqa: F401  (their jobs)
        from bottomline.registry.keycheck import keys_match_check, on_migrate

        # Not tagged "database": runserver and a plain `check` run it too; it passes before migrate.
        checks.register(keys_match_check)
        post_migrate.connect(on_migrate, sender=self, dispatch_uid="registry.keycheck")
