"""Routes of the monitoring webhooks, under /api/v1/monitoring."""

from django.urls import path

from monitoring import views

urlpatterns = [
    path("alertmanager", views.AlertmanagerWebhookView.as_view(), name="monitoring-alertmanager"),
    path("sentry", views.SentryWebhookView.as_view(), name="monitoring-sentry"),
]
