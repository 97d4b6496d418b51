from django.urls import path

from bottomline.audit import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.trail, name="trail"),
    path("audit/export/", views.export, name="export"),
]
