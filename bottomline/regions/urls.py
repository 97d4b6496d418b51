from django.urls import path

from bottomline.regions import views

app_name = "regions"
urlpatterns = [
    path("regions/picker/", views.region_picker, name="picker"),  # before the code: "picker" is no code
    path("regions/<str:code>/", views.region_detail, name="detail"),
]
