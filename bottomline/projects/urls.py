from django.urls import path

from bottomline.projects import views

app_name = "projects"
urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/export/", views.project_export, name="export"),
    path("projects/import/", views.import_view, name="import"),
    path("projects/import/template.<str:fmt>", views.import_template, name="import_template"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/stage/", views.stage_change, name="stage"),
    path("projects/<int:pk>/disburse/", views.disburse, name="disburse"),
    path("projects/<int:pk>/beneficiaries/", views.beneficiary_add, name="beneficiary_add"),
    path("projects/<int:pk>/payout/", views.payout, name="payout"),
    path("projects/<int:pk>/assets/", views.asset_add, name="asset_add"),
]
