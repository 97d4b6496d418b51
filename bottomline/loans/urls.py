from django.urls import path

from bottomline.loans import views

app_name = "loans"
urlpatterns = [
    path("loans/", views.loan_list, name="list"),
    path("loans/new/", views.loan_create, name="create"),
    path("loans/export/", views.loan_export, name="export"),
    path("loans/import/", views.loan_import_page, name="import"),
    path("loans/import/template.<str:fmt>", views.loan_import_template, name="import_template"),
    path("loans/<int:pk>/", views.loan_detail, name="detail"),
    path("loans/<int:pk>/repay/", views.repayment_create, name="repay"),
    path("loans/<int:pk>/edit/", views.loan_change, name="change"),
    path("loans/repayments/<int:pk>/remove/", views.repayment_remove, name="repayment_remove"),
]
