"""Dashboard pages: /dashboard/ starts at the user's own region; /dashboard/<code>/ drills down."""

from django.urls import path

from bottomline.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.home, name="home"),
    path("dashboard/indicators/", views.indicators, name="indicators"),
    path("dashboard/<str:code>/", views.region, name="region"),
    path("dashboard/<str:code>/baseline/", views.baseline, name="baseline"),
    path("dashboard/<str:code>/export.xlsx", views.export, name="export"),
    path("dashboard/<str:code>/briefing.pdf", views.briefing, name="briefing"),
    path("dashboard/<str:code>/figures/<str:indicator>/", views.drill, name="drill"),
    path(
        "dashboard/<str:code>/figures/<str:indicator>/export.xlsx", views.drill_download, name="drill_export"
    ),
]
