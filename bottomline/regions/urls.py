from django.urls import path

from bottomline.regions import views

app_name = "regions"
urlpatterns = [path("regions/<str:code>/", views.region_detail, name="detail")]
