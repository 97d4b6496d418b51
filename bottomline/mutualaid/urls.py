from django.urls import path

from bottomline.mutualaid import views

app_name = "mutualaid"
urlpatterns = [
    path("mutualaid/", views.association_list, name="list"),
    path("mutualaid/new/", views.association_create, name="create"),
    path("mutualaid/export/", views.loan_export, name="export"),
    path("mutualaid/import/", views.loan_import_page, name="import"),
    path("mutualaid/import/template.<str:fmt>", views.loan_import_template, name="import_template"),
    path("mutualaid/<int:pk>/", views.association_detail, name="detail"),
    path("mutualaid/<int:pk>/contribute/", views.contribution_create, name="contribute"),
    path("mutualaid/<int:pk>/join/", views.member_join, name="join"),
    path("mutualaid/<int:pk>/loans/new/", views.loan_create, name="loan_create"),
    path("mutualaid/members/<int:pk>/leave/", views.member_leave, name="leave"),
    path("mutualaid/loans/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("mutualaid/loans/<int:pk>/repay/", views.repayment_create, name="repay"),
]
