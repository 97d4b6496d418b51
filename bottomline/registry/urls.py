from django.urls import path

from bottomline.registry import income_views, views

app_name = "registry"
urlpatterns = [
    path("registry/households/", views.household_list, name="household_list"),
    path("registry/households/new/", views.household_create, name="household_create"),
    path("registry/households/export/", views.household_export, name="household_export"),
    path("registry/households/search/", views.household_search, name="household_search"),
    path("registry/households/<int:pk>/", views.household_detail, name="household_detail"),
    path("registry/households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("registry/households/<int:pk>/members/new/", views.member_create, name="member_create"),
    path(
        "registry/households/<int:pk>/reveal-phone/",
        views.household_reveal_phone,
        name="household_reveal_phone",
    ),
    path("registry/members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("registry/members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("registry/members/<int:pk>/correct-id/", views.member_correct_id, name="member_correct_id"),
    path("registry/members/<int:pk>/move/", views.member_move_page, name="member_move"),
    path("registry/households/<int:pk>/head/", views.household_head, name="household_head"),
    path("registry/import/", views.registry_import_page, name="import"),
    path("registry/import/template.<str:fmt>", views.registry_import_template, name="import_template"),
    # The income collection (registry.incomes)
    path("registry/households/<int:pk>/incomes/", income_views.household_incomes, name="household_incomes"),
    path("registry/incomes/<int:pk>/edit/", income_views.income_edit, name="income_edit"),
    path("registry/incomes/collection/", income_views.income_collection, name="income_collection"),
    path("registry/incomes/import/", income_views.income_import_page, name="income_import"),
    path(
        "registry/incomes/import/template.<str:fmt>",
        income_views.income_import_template,
        name="income_import_template",
    ),
]
