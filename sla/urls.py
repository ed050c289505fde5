"""URLs of the SLA compliance report for staff."""

from django.urls import re_path

from sla import views

app_name = "sla"

_MONTH = r"^report/(?P<client_code>[A-Z]{2,6})/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})"

urlpatterns = [
    re_path(_MONTH + r"/$", views.report, name="report"),
    re_path(_MONTH + r"\.csv$", views.report_csv, name="report-csv"),
]
