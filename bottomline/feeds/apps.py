from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "bottomline.feeds"
    verbose_name = _("Department feeds (部门数据)")

    def ready(self) -> None:
        from bottomline.audit.selectors import VALUE_LABELS
        from bottomline.engine.services import TOUCHED_SOURCES
        from bottomline.feeds import jobs  # noqa: F401  (registers the feed job)
        from bottomline.feeds.schemas import feed_title
        from bottomline.feeds.selectors import households_touched_since

        # The audit trail names a batch's feed type in words, not by its code.
        for model in ("feedbatch", "feedrecord"):
            VALUE_LABELS[f"feeds.{model}.feed_type"] = feed_title
        # An incremental screening run screens again the households a committed feed changed.
        if households_touched_since not in TOUCHED_SOURCES:
            TOUCHED_SOURCES.append(households_touched_since)
