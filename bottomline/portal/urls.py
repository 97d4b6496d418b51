from django.urls import path

from bottomline.portal import views

app_name = "portal"
urlpatterns = [
    path("declare/", views.declare, name="declare"),
    path("declare/picker/", views.picker, name="picker"),
    path("declare/status/", views.status, name="status"),
    path("declare/poster/<str:code>.pdf", views.poster, name="poster"),
    path("portal/declarations/", views.declaration_list, name="declaration_list"),
    path("portal/declarations/<int:pk>/", views.declaration_detail, name="declaration_detail"),
    path("portal/declarations/<int:pk>/link/", views.declaration_link, name="declaration_link"),
    path("portal/declarations/<int:pk>/dismiss/", views.declaration_dismiss, name="declaration_dismiss"),
    path("portal/declarations/<int:pk>/photo/", views.declaration_photo, name="declaration_photo"),
    path("portal/declarations/<int:pk>/search/", views.declaration_search, name="declaration_search"),
    path("portal/declarations/<int:pk>/register/", views.declaration_register, name="declaration_register"),
    path(
        "portal/declarations/<int:pk>/reveal-phone/",
        views.declaration_reveal_phone,
        name="declaration_reveal_phone",
    ),
]
