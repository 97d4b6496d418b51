from django.urls import path

from bottomline.interop import views

app_name = "interop"
urlpatterns = [
    path("national/", views.national_export_page, name="export"),
    path("national/import/", views.national_import_page, name="import"),
]
