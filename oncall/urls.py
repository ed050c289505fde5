"""URLs of the on-call schedule, the paging profile, and the acknowledge links in pages."""

from django.urls import path

from oncall import views

app_name = "oncall"

urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("profile/", views.paging_profile, name="paging-profile"),
    path("acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
]
