"""URLs of single sign-on, under /accounts/sso/."""

from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("", views.identity_provider_find, name="find"),
    path("<int:pk>/start/", views.identity_provider_start, name="start"),
    path("callback/", views.identity_provider_callback, name="callback"),
]
