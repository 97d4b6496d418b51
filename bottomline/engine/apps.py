from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "bottomline.engine"
    verbose_name = _("Batch screening")

    def ready(self) -> None:
        from bottomline.engine import services  # noqa: F401  (registers the screening job)
        from bottomline.engine.online import params_forget
        from bottomline.policy.models import Parameter

        post_save.connect(params_forget, sender=Parameter, dispatch_uid="engine-params-forget")
        post_delete.connect(params_forget, sender=Parameter, dispatch_uid="engine-params-forget-delete")
