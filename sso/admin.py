"""Admin of identity providers and of who is linked to them (administrators only)."""

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from paqt_support.admin_readonly import AdministratorsOnlyAdmin
from sso.forms import IdentityProviderForm
from sso.models import ExternalIdentity, IdentityProvider


class ExternalIdentityInline(admin.TabularInline):
    model = ExternalIdentity
    fields = ("user", "subject", "linked_at", "last_login_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    verbose_name_plural = _("linked accounts (delete a row to unlink)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(IdentityProvider)
class IdentityProviderAdmin(AdministratorsOnlyAdmin):
    form = IdentityProviderForm
    list_display = ("name", "client", "is_active", "issuer", "creates_contacts")
    list_filter = ("is_active",)
    list_select_related = ("client",)
    search_fields = ("name", "issuer", "client__code", "client__name")
    readonly_fields = (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "redirect_uris",
    )
    fieldsets = (
        (None, {"fields": ("name", "client", "is_active")}),
        (
            _("At the identity provider"),
            {"fields": ("issuer", "oidc_client_id", "oidc_client_secret", "redirect_uris")},
        ),
        (
            _("Who logs in"),
            {"fields": ("email_domains", "creates_contacts", "trusts_second_factor")},
        ),
        (
            _("Read from the issuer's configuration"),
            {
                "fields": (
                    "authorization_endpoint",
                    "token_endpoint",
                    "userinfo_endpoint",
                    "jwks_uri",
                    "end_session_endpoint",
                )
            },
        ),
    )
    inlines = [ExternalIdentityInline]

    @admin.display(description=_("addresses to register at the provider"))
    def redirect_uris(self, obj):
        return _("Redirect URI: %(callback)s. After logout: %(login)s and %(admin)s.") % {
            "callback": settings.SITE_URL + reverse("sso:callback"),
            "login": settings.SITE_URL + reverse("login"),
            "admin": settings.SITE_URL + reverse("admin:login"),
        }
