"""One row per access to client data, with the fields NEN 7513 asks of an access log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    LIST = "list", _("listed")
    SEARCH = "search", _("found by a search")
    CREATE = "create", _("created")
    CHANGE = "change", _("changed")
    DELETE = "delete", _("deleted")
    SEND = "send", _("sent by email")
    SEND_FAILED = "send_failed", _("not delivered by email")
    RECEIVE = "receive", _("received by email")
    EXPORT = "export", _("exported")
    ANONYMISE = "anonymise", _("anonymised")
    LOGIN = "login", _("logged in")
    LOGOUT = "logout", _("logged out")
    LOGIN_FAILED = "login_failed", _("login failed")
    LOCKED_OUT = "locked_out", _("locked out")


class AuditChannel(models.TextChoices):
    PORTAL = "portal", _("portal")
    ADMIN = "admin", _("admin")
    API = "api", _("API")
    EMAIL = "email", _("email")
    SYSTEM = "system", _("system")


class AuditRole(models.TextChoices):
    ANONYMOUS = "anonymous", _("anonymous")
    CONTACT = "contact", _("contact")
    CLIENT_ADMIN = "client_admin", _("client admin")
    TEAM_MEMBER = "team_member", _("team member")
    TEAM_LEAD = "team_lead", _("team lead")
    DEVOPS = "devops", _("DevOps engineer")
    ADMINISTRATOR = "administrator", _("administrator")
    SERVICE_ACCOUNT = "service_account", _("service account")
    SYSTEM = "system", _("system")


# What an entry tells, in this order, wherever the trail leaves the application (CSV, API).
PUBLISHED_FIELDS = (
    "occurred_at",
    "action",
    "user",
    "user_label",
    "role",
    "on_behalf_of",
    "channel",
    "ip_address",
    "user_agent",
    "path",
    "object_type",
    "object_id",
    "object_repr",
    "client",
    "system",
    "detail",
)


class AuditEntryQuerySet(models.QuerySet):
    """Refuse bulk updates and deletes: the log only grows, except by ``purge_before``."""

    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only; purge old entries instead.")

    def purge_before(self, cutoff) -> int:
        """Delete the entries that occurred before ``cutoff``; return how many went."""
        doomed = AuditEntry.objects.filter(occurred_at__lt=cutoff)
        # _raw_delete skips the collector (nothing refers to an entry) and our own delete().
        return doomed._raw_delete(doomed.db)


class AuditEntry(models.Model):
    """An event in the access log. Written once, never changed.

    User and client are kept as ids without a database constraint, so that the entry
    outlives what it names; ``user_label`` keeps who it was at the time.
    """

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    user_label = models.CharField(_("user name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=AuditRole.choices)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=AuditChannel.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    system = models.CharField(_("system"), max_length=100)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ("-occurred_at", "-id")
        indexes = [
            models.Index(fields=("object_type", "object_id"), name="audit_entry_object"),
            models.Index(fields=("user", "occurred_at"), name="audit_entry_user_time"),
            models.Index(fields=("client", "occurred_at"), name="audit_entry_client_time"),
        ]

    def __str__(self) -> str:
        who = self.user_label or "-"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only; purge old entries instead.")
