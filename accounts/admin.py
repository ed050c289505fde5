"""Admin for users, staff and client contacts alike; administrators manage them."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from clients.selectors import user_is_administrator


class OrganisationChecks:
    """Refuse in the form what the database constraints would refuse with an error page."""

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client", self.instance.client)
        is_staff = cleaned.get("is_staff", self.instance.is_staff)
        is_client_admin = cleaned.get("is_client_admin", self.instance.is_client_admin)
        if is_staff and client is not None:
            raise ValidationError(
                _("Staff belong to no client: clear the client, or untick staff status.")
            )
        if is_client_admin and client is None:
            raise ValidationError(_("A client admin needs a client."))
        return cleaned


class UserCreateForm(OrganisationChecks, AdminUserCreationForm):
    pass


class UserEditForm(OrganisationChecks, UserChangeForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
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
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (
            _("Person and organisation"),
            {
                "classes": ("wide",),
                "fields": ("first_name", "last_name", "email", "client", "is_client_admin"),
            },
        ),
    )

    def get_queryset(self, request):
        users = super().get_queryset(request)
        return users if user_is_administrator(request.user) else users.filter(pk=request.user.pk)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers or grants single permissions; everyone else
        # gives people a role through the groups.
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "user_permissions", "last_login", "date_joined")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)
