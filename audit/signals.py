"""Log every change of client data, whichever edge or service made it."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save

from audit.context import current
from audit.models import AuditAction
from audit.services import audit_record

# The client data whose changes are logged. Values of fields are not copied into the log:
# it would keep personal data that anonymising a contact must be able to remove.
AUDITED_MODELS = (
    "tickets.Issue",
    "tickets.Comment",
    "tickets.Attachment",
    "clients.Client",
    "clients.Team",
    "sla.Agreement",
    "accounts.User",
    # Who may log in through which provider: a change here is a change of access.
    "sso.IdentityProvider",
)

# Fields that change as a side effect of using the product rather than by anyone's decision.
_BOOKKEEPING_ONLY = {"last_login"}


def _saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    if created:
        audit_record(action=AuditAction.CREATE, obj=instance, on_behalf_of=_filed_for(instance))
        return
    fields = sorted(update_fields) if update_fields else []
    if fields and set(fields) <= _BOOKKEEPING_ONLY:
        return
    audit_record(action=AuditAction.CHANGE, obj=instance, detail={"fields": fields or ["*"]})


def _filed_for(instance) -> str:
    """Return whom an issue was filed for, when someone else filed it."""
    requester_id = getattr(instance, "requester_id", None)
    actor = current().acting_user()
    if requester_id is None or (actor is not None and actor.pk == requester_id):
        return ""
    return instance.requester.get_username()


def _deleted(sender, instance, **kwargs):
    audit_record(action=AuditAction.DELETE, obj=instance)


def _logged_in(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN, obj=user, user=user)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, obj=user, user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    # The password never reaches the log; the name tried does, to see guessing.
    username = str(credentials.get("username", ""))[:150]
    audit_record(action=AuditAction.LOGIN_FAILED, detail={"username": username})


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit_record(action=AuditAction.LOCKED_OUT, detail={"username": str(username or "")[:150]})


def connect() -> None:
    from django.apps import apps

    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        post_save.connect(_saved, sender=model, dispatch_uid=f"audit-save-{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"audit-delete-{label}")
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
    user_locked_out.connect(_locked_out, dispatch_uid="audit-locked-out")
