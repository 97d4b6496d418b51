from django.urls import path

from bottomline.feeds import views

app_name = "feeds"
urlpatterns = [
    path("feeds/", views.batch_list, name="batch_list"),
    path("feeds/upload/", views.upload, name="upload"),
    path("feeds/templates/<slug:feed_type>.<str:fmt>", views.template, name="template"),
    path("feeds/batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("feeds/batches/<int:pk>/unmatched.csv", views.batch_unmatched, name="batch_unmatched"),
]
