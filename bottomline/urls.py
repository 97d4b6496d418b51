"""All URLs. Every view behind them reaches data through the region gate (accounts/gate.py)."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from two_factor.urls import urlpatterns as two_factor_urls

from bottomline.admin import site as admin_site
from bottomline.api import api, register_routers

register_routers()

urlpatterns = [
    path("", include("bottomline.web.urls")),
    path("", include(two_factor_urls)),
    path("", include("bottomline.accounts.urls")),
    path("", include("bottomline.regions.urls")),
    path("", include("bottomline.jobs.urls")),
    path("", include("bottomline.audit.urls")),
    path("", include("bottomline.registry.urls")),
    path("", include("bottomline.policy.urls")),
    path("", include("bottomline.feeds.urls")),
    path("", include("bottomline.engine.urls")),
    path("", include("bottomline.portal.urls")),
    path("", include("bottomline.industry.urls")),
    path("", include("bottomline.employment.urls")),
    path("", include("bottomline.loans.urls")),
    path("", include("bottomline.relocation.urls")),
    path("", include("bottomline.insurance.urls")),
    path("", include("bottomline.projects.urls")),
    path("", include("bottomline.points.urls")),
    path("", include("bottomline.mutualaid.urls")),
    path("", include("bottomline.monitoring.urls")),
    path("", include("bottomline.dashboards.urls")),
    path("", include("bottomline.interop.urls")),
    path("", include("bottomline.pv.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/catalog/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", api.urls),
    path("admin/", admin_site.urls),
]

handler404 = "bottomline.web.errors.not_found"
handler403 = "bottomline.web.errors.denied"
handler500 = "bottomline.web.errors.server_error"
