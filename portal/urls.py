"""Portal URLs for a client's contacts: their organisation's issues and files, and its export."""

from django.urls import path

from clients import views as client_views
from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/", views.issue_list, name="issue-list"),
    path("issues/new/", views.issue_create, name="issue-create"),
    path("issues/<str:reference>/", views.issue_detail, name="issue-detail"),
    path("issues/<str:reference>/reply/", views.issue_reply, name="issue-reply"),
    path("issues/<str:reference>/attachments/", views.issue_attach, name="issue-attach"),
    path("issues/<str:reference>/close/", views.issue_close, name="issue-close"),
    path("issues/<str:reference>/reopen/", views.issue_reopen, name="issue-reopen"),
    path("issues/<str:reference>/watch/", views.issue_watch, name="issue-watch"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("organisation/export/", client_views.client_export, name="client-export"),
    path("organisation/evaluation/<int:year>/", views.evaluation, name="evaluation"),
    path("organisation/evaluation/<int:year>.csv", views.evaluation_csv, name="evaluation-csv"),
    path("organisation/evaluation/<int:year>.pdf", views.evaluation_pdf, name="evaluation-pdf"),
]
