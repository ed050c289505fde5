"""The admin app, served by the staff's own site (``desk.site.SupportAdminSite``)."""

from django.contrib.admin.apps import AdminConfig


class SupportAdminConfig(AdminConfig):
    default_site = "desk.site.SupportAdminSite"
