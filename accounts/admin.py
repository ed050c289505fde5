"""Admin for users, staff and client contacts alike; administrators manage them."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_actions import anonymise_departed_contacts
from accounts.models import User
from accounts.two_factor.selectors import user_list_with_second_factor
from accounts.two_factor.services import second_factor_reset
from audit.services import audited
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


# Second factors are reset from the user list. django-otp's own device pages would show
# everyone's secret key and QR code to whoever may view them, and let an administrator add
# a device with a key of their choosing to someone else's account.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)


@admin.action(
    description=_("Reset the second factor of the selected users"),
    permissions=["reset_second_factor"],
)
def reset_second_factor(modeladmin, request, queryset):
    reset = 0
    for user in queryset:
        if second_factor_reset(user=user, reset_by=request.user):
            # The history page translates the field's name when it shows the entry.
            changed = {"changed": {"fields": [gettext_noop("second factor")]}}
            modeladmin.log_change(request, user, [changed])
            reset += 1
    messages.success(
        request,
        ngettext(
            "The second factor of %(count)d user was reset.",
            "The second factors of %(count)d users were reset.",
            reset,
        )
        % {"count": reset},
    )


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
        "has_second_factor",
    )
    actions = [reset_second_factor, anonymise_departed_contacts]
    list_filter = (
        "is_staff",
        "is_active",
        "is_client_admin",
        ("anonymised_at", admin.EmptyFieldListFilter),
        "client",
        "groups",
    )
    list_select_related = ("client",)
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Organisation"),
            {"fields": ("client", "is_client_admin", "preferred_language", "anonymised_at")},
        ),
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
        users = audited(super().get_queryset(request))
        users = user_list_with_second_factor(users=users)
        return users if user_is_administrator(request.user) else users.filter(pk=request.user.pk)

    @admin.display(description=_("two-factor"), boolean=True, ordering="has_second_factor")
    def has_second_factor(self, obj) -> bool:
        return obj.has_second_factor

    def has_reset_second_factor_permission(self, request) -> bool:
        return user_is_administrator(request.user)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers or grants single permissions; everyone else
        # gives people a role through the groups.
        if request.user.is_superuser:
            return ("anonymised_at",)
        return ("is_superuser", "user_permissions", "last_login", "date_joined", "anonymised_at")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)
