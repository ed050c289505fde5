"""URLs of the monthly SLA report and the yearly evaluation for staff."""

from django.urls import re_path

from sla import views

app_name = "sla"

_MONTH = r"^report/(?P<client_code>[A-Z]{2,6})/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})"

_YEAR = r"^report/(?P<client_code>[A-Z]{2,6})/(?P<year>[0-9]{4})"

urlpatterns = [
    re_path(_YEAR + r"/$", views.evaluation, name="evaluation"),
    re_path(_YEAR + r"\.csv$", views.evaluation_csv, name="evaluation-csv"),
    re_path(_YEAR + r"\.pdf$", views.evaluation_pdf, name="evaluation-pdf"),
    re_path(_MONTH + r"/$", views.report, name="report"),
    re_path(_MONTH + r"\.csv$", views.report_csv, name="report-csv"),
]
