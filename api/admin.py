"""Admin of personal API tokens: see who has which, and revoke them."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from api.models import ApiToken
from api.services import api_token_revoke
from clients.selectors import user_is_administrator


@admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["change"])
def revoke_tokens(modeladmin, request, queryset):
    now = timezone.now()
    count = sum(api_token_revoke(token=token, now=now) for token in queryset)
    messages.success(
        request,
        ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count},
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made with ``manage.py create_api_token``, which shows the secret once."""

    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)

    def get_queryset(self, request):
        # A token acts as its user: others' tokens are for administrators only.
        tokens = super().get_queryset(request)
        if user_is_administrator(request.user):
            return tokens
        return tokens.filter(user=request.user)

    readonly_fields = (
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    actions = [revoke_tokens]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A revoked token stays, so that the record of who had access survives.
        return False
