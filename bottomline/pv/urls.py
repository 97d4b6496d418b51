from django.urls import path

from bottomline.pv import views

app_name = "pv"
urlpatterns = [
    path("pv/stations/", views.station_list, name="station_list"),
    path("pv/stations/new/", views.station_create, name="station_create"),
    path("pv/stations/export/", views.station_export, name="station_export"),
    path("pv/stations/<int:pk>/", views.station_detail, name="station_detail"),
    path("pv/stations/<int:pk>/month/", views.station_month, name="station_month"),
    path("pv/stations/<int:pk>/edit/", views.station_change, name="station_change"),
    path("pv/import/", views.statement_import, name="import"),
    path("pv/import/template/<str:fmt>/", views.statement_template, name="import_template"),
    path("pv/distributions/", views.distribution_list, name="distribution_list"),
    path("pv/distributions/<str:code>/<int:year>/", views.distribution, name="distribution"),
    path("pv/posts/", views.post_list, name="post_list"),
    path("pv/posts/new/", views.post_create, name="post_create"),
    path("pv/posts/export/", views.post_export, name="post_export"),
    path("pv/posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("pv/posts/<int:pk>/assign/", views.post_assign, name="post_assign"),
    path("pv/posts/<int:pk>/pay/", views.post_pay, name="post_pay"),
    path("pv/holders/<int:pk>/end/", views.assignment_end, name="assignment_end"),
]
