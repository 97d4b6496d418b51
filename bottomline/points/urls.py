from django.urls import path

from bottomline.points import views

app_name = "points"
urlpatterns = [
    path("points/", views.supermarket_list, name="list"),
    path("points/new/", views.supermarket_create, name="create"),
    path("points/export/", views.balances_export, name="export"),
    path("points/import/", views.entries_import_page, name="import"),
    path("points/import/template.<str:fmt>", views.entries_import_template, name="import_template"),
    path("points/<int:pk>/", views.supermarket_detail, name="detail"),
    path("points/<int:pk>/villages/", views.coverage_edit, name="villages"),
    path("points/<int:pk>/rules/", views.rules, name="rules"),
    path("points/<int:pk>/record/", views.entry_create, name="record"),
    path("points/<int:pk>/goods/", views.goods, name="goods"),
    path("points/<int:pk>/redeem/", views.redemption_create, name="redeem"),
    path("points/<int:pk>/stocktake/", views.stocktake, name="stocktake"),
]
