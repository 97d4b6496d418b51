from django.urls import path

from bottomline.employment import views

app_name = "employment"
urlpatterns = [
    path("employment/workshops/", views.workshop_list, name="workshop_list"),
    path("employment/workshops/new/", views.workshop_create, name="workshop_create"),
    path("employment/workshops/<int:pk>/", views.workshop_detail, name="workshop_detail"),
    path("employment/workshops/<int:pk>/edit/", views.workshop_edit, name="workshop_edit"),
    path("employment/jobs/", views.job_list, name="job_list"),
    path("employment/jobs/<int:pk>/edit/", views.job_edit, name="job_edit"),
    path("employment/jobs/import/", views.job_import, name="job_import"),
    path("employment/jobs/import/template.<str:fmt>", views.job_import_template, name="job_import_template"),
    path("employment/export/", views.export, name="export"),
    path("employment/households/<int:pk>/", views.household, name="household"),
    path("employment/households/<int:pk>/jobs/new/", views.job_create, name="job_create"),
    path("employment/households/<int:pk>/grants/new/", views.grant_create, name="grant_create"),
    path("employment/households/<int:pk>/courses/", views.trainee_add, name="trainee_add"),
    path("employment/courses/", views.course_list, name="course_list"),
    path("employment/courses/new/", views.course_create, name="course_create"),
    path("employment/courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("employment/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("employment/grants/", views.grant_list, name="grant_list"),
    path("employment/grants/<int:pk>/edit/", views.grant_edit, name="grant_edit"),
]
