"""URLs of the on-call schedule page and of the acknowledge links sent in pages."""

from django.urls import path

from oncall import views

app_name = "oncall"

urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
]
