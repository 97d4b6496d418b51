from django.urls import path

from bottomline.industry import views

app_name = "industry"

urlpatterns = [
    path("industry/entities/", views.entity_list, name="entity_list"),
    path("industry/entities/new/", views.entity_add, name="entity_add"),
    path("industry/entities/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("industry/entities/<int:pk>/edit/", views.entity_edit, name="entity_edit"),
    path("industry/entities/<int:pk>/projects/new/", views.project_add, name="project_add"),
    path("industry/projects/", views.project_list, name="project_list"),
    path("industry/households/<int:pk>/", views.household_linkages, name="household"),
    path("industry/linkages/<int:pk>/end/", views.linkage_end, name="linkage_end"),
    path("industry/linkages/<int:pk>/change/", views.linkage_change, name="linkage_change"),
    path("industry/linkages/export/", views.linkage_export, name="linkage_export"),
    path("industry/linkages/import/", views.linkage_import, name="linkage_import"),
    path(
        "industry/linkages/import/template.<str:fmt>",
        views.linkage_import_template,
        name="linkage_import_template",
    ),
]
