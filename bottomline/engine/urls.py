from django.urls import path

from bottomline.engine import views

app_name = "engine"
urlpatterns = [
    path("screening/", views.run_list, name="runs"),
    path("screening/runs/<int:pk>/", views.run_detail, name="run"),
]
