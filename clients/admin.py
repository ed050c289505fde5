"""Admin for clients and their teams: administrators manage them, staff see their own read-only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from clients.models import Client, Team
from clients.selectors import client_list_for_user


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ("code", "name", "is_active")

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip().upper()
        changed = self.instance.pk and code != self.instance.code
        if changed and self.instance.issues.exists():
            raise ValidationError(
                _(
                    "Every issue reference starts with the code, so it cannot change once the "
                    "client has issues."
                )
            )
        return code


class TeamForm(forms.ModelForm):
    """A team's lead must be one of its members: only members work on the client's issues."""

    class Meta:
        model = Team
        fields = ("client", "name", "lead", "members", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_staff=True, is_active=True).order_by(
            "first_name", "last_name"
        )
        if "lead" in self.fields:
            self.fields["lead"].queryset = staff
        if "members" in self.fields:
            self.fields["members"].queryset = staff

    def clean(self):
        cleaned = super().clean()
        lead, members = cleaned.get("lead"), cleaned.get("members")
        if lead is not None and members is not None and lead not in members:
            self.add_error(
                "members",
                _("Add the team lead, %(name)s, to the members too.") % {"name": lead},
            )
        return cleaned


class LeadAsTextMixin:
    """Show a read-only team lead as a name, not as a link to a user page the reader cannot open.

    Django links a read-only foreign key to the related object's admin page without asking
    whether the reader may open it; only those who may view users get that link.
    """

    @admin.display(description=_("team lead"))
    def lead_name(self, team: Team) -> str:
        return str(team.lead) if team and team.lead_id else "-"

    def _lead_as_text(self, request, obj) -> bool:
        may_link = request.user.has_perm("accounts.view_user")
        return not (may_link or self.has_change_permission(request, obj))

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not self._lead_as_text(request, obj):
            return fields
        return list(dict.fromkeys("lead_name" if name == "lead" else name for name in fields))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "lead_name"] if self._lead_as_text(request, obj) else readonly


class TeamInline(LeadAsTextMixin, admin.StackedInline):
    model = Team
    form = TeamForm
    filter_horizontal = ("members",)
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """Who may change what follows the groups' permissions: only administrators change."""

    form = ClientForm
    list_display = ("code", "name", "team", "is_active", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("team",)
    search_fields = ("code", "name")
    inlines = [TeamInline]

    def get_queryset(self, request):
        return client_list_for_user(user=request.user).select_related("team")


@admin.register(Team)
class TeamAdmin(LeadAsTextMixin, admin.ModelAdmin):
    form = TeamForm
    list_display = ("name", "client", "lead")
    list_select_related = ("client", "lead")
    filter_horizontal = ("members",)
    search_fields = ("name", "client__code", "client__name")

    def get_queryset(self, request):
        return Team.objects.filter(client__in=client_list_for_user(user=request.user))
