"""Admin for users: staff and client contacts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "get_full_name",
        "email",
        "client",
        "is_client_admin",
        "is_staff",
        "is_active",
    )
    list_filter = ("is_staff", "is_active", "is_client_admin", "client", "groups")
    list_select_related = ("client",)
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("client", "is_client_admin", "preferred_language")}),
    )
