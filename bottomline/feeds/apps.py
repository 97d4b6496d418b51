from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "bottomline.feeds"
    verbose_name = _("Department feeds (部门数据)")

    def ready(self) -> None:
        from bottomline.feeds import jobs  # noqa: F401  (registers the feed job)
