from django.urls import path

from bottomline.web import health, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
]
