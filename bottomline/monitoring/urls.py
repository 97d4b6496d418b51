from django.urls import path

from bottomline.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("cases/", views.case_queues, name="case_list"),
    # a risk report raises a lead: the page hangs under its household
    path("registry/households/<int:pk>/report-risk/", views.household_report_risk, name="report_risk"),
    path("cases/oversight/", views.oversight, name="oversight"),
    path("cases/oversight/<str:code>/", views.oversight_village, name="oversight_village"),
    path("cases/bulk/", views.case_bulk, name="case_bulk"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/step/<str:action>/", views.case_step_view, name="case_step"),
    path("cases/<int:pk>/objections/", views.objection_add, name="objection_add"),
    path("objections/<int:objection_id>/resolve/", views.objection_resolve_view, name="objection_resolve"),
    path("cases/<int:pk>/measures/", views.measure_add_view, name="measure_add"),
    path("measures/<int:measure_id>/", views.measure_update_view, name="measure_update"),
    path("cases/<int:pk>/follow-ups/", views.followup_add, name="followup_add"),
    path("cases/<int:pk>/files/<str:what>/<int:file_id>/", views.case_file, name="case_file"),
    path("notices/<str:code>/", views.notice_preview, name="notice"),
    path("notices/<str:code>/pdf/", views.notice_pdf_view, name="notice_pdf"),
]
