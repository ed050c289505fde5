"""The admin site of the staff: the team lead's dashboard as its start page."""

from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desk.selectors import dashboard_for_staff


class SupportAdminSite(admin.AdminSite):
    site_header = "PAQT Support"
    site_title = "PAQT Support"
    index_title = _("Dashboard")
    index_template = "admin/dashboard.html"
    # The app list beside every page took a quarter of the width the queue needs; the
    # dashboard and the header's links lead to the same pages.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        context = {
            "dashboard": dashboard_for_staff(user=request.user, now=timezone.now()),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def logout(self, request, extra_context=None):
        """Log out and land on the admin's login page, not on the portal's."""
        request.current_app = self.name
        return LogoutView.as_view(
            next_page=reverse("admin:login", current_app=self.name),
            extra_context={
                **self.each_context(request),
                "has_permission": False,
                **(extra_context or {}),
            },
        )(request)
