from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "bottomline.policy"
    verbose_name = _("Policy parameters")

    def ready(self) -> None:
        from bottomline.policy.models import Parameter
        from bottomline.policy.selectors import parameters_forget

        post_save.connect(parameters_forget, sender=Parameter, dispatch_uid="policy-parameters-forget")
        post_delete.connect(
            parameters_forget, sender=Parameter, dispatch_uid="policy-parameters-forget-delete"
        )
