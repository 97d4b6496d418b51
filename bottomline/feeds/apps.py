from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "bottomline.feeds"
    verbose_name = _("Department feeds (部门数据)")

    def ready(self) -> None:
        from bottomline.audit.selectors import VALUE_LABELS
        from bottomline.feeds import jobs  # noqa: F401  (registers the feed job)
        from bottomline.feeds.schemas import feed_title

        # The audit trail names a batch's feed type in words, not by its code.
        for model in ("feedbatch", "feedrecord"):
            VALUE_LABELS[f"feeds.{model}.feed_type"] = feed_title
