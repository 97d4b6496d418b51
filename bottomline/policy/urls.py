from django.urls import path

from bottomline.policy import views

app_name = "policy"
urlpatterns = [
    path("policy/", views.policy_home, name="home"),
    path("policy/proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("policy/proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
]
