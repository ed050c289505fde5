"""URLs of the client admin's pages, in the namespace "accounts"."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("colleagues/", views.colleague_list, name="colleague-list"),
    path("colleagues/invite/", views.colleague_invite, name="colleague-invite"),
    path(
        "colleagues/<int:pk>/deactivate/",
        views.colleague_deactivate,
        name="colleague-deactivate",
    ),
    path(
        "colleagues/<int:pk>/reactivate/",
        views.colleague_reactivate,
        name="colleague-reactivate",
    ),
]
