from django.urls import path

from bottomline.relocation import views

app_name = "relocation"
urlpatterns = [
    path("relocation/", views.relocation_list, name="list"),
    path("relocation/new/", views.relocation_create, name="create"),
    path("relocation/export/", views.relocation_export, name="export"),
    path("relocation/import/", views.relocation_import_page, name="import"),
    path("relocation/import/template.<str:fmt>", views.relocation_import_template, name="import_template"),
    path("relocation/<int:pk>/", views.relocation_detail, name="detail"),
    path("relocation/<int:pk>/assess/", views.assessment_create, name="assess"),
    path("relocation/<int:pk>/support/", views.support_create, name="support"),
    path("relocation/sites/", views.site_list, name="site_list"),
    path("relocation/sites/new/", views.site_edit, name="site_create"),
    path("relocation/sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("relocation/sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
]
