from django.urls import path

from bottomline.insurance import views

app_name = "insurance"
urlpatterns = [
    path("insurance/", views.policy_list, name="policy_list"),
    path("insurance/new/", views.policy_create, name="policy_create"),
    path("insurance/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("insurance/<int:pk>/propose/", views.policy_propose, name="policy_propose"),
    path("insurance/claims/", views.claim_list, name="claim_list"),
    path("insurance/claims/new/", views.claim_create, name="claim_create"),
    path("insurance/claims/export/", views.claim_export, name="claim_export"),
    path("insurance/claims/import/", views.claim_import_page, name="claim_import"),
    path(
        "insurance/claims/import/template.<str:fmt>",
        views.claim_import_template,
        name="claim_import_template",
    ),
    path("insurance/claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("insurance/claims/<int:pk>/assess/", views.claim_assess, name="claim_assess"),
    path("insurance/claims/<int:pk>/pay/", views.claim_pay, name="claim_pay"),
    path("insurance/claims/<int:pk>/withdraw/", views.claim_withdraw, name="claim_withdraw"),
]
