from django.contrib.auth.views import LogoutView
from django.urls import path

from bottomline.accounts import views

app_name = "accounts"
urlpatterns = [
    path("account/logout/", LogoutView.as_view(), name="logout"),
    path("account/enrol/", views.enrol, name="enrol"),
    path("account/password/", views.password_change, name="password"),
    path("account/tokens/", views.token_list, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
