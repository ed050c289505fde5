"""Contacts: a client admin invites, deactivates and reactivates; an administrator anonymises."""

import uuid
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from accounts.models import User
from api.models import ApiToken
from audit.models import AuditAction
from audit.services import audit_record
from clients.selectors import team_members, user_is_administrator
from mail.models import OutboxKind
from mail.outbox import MailTemplates, Recipient, mail_forget, outbox_compose, outbox_queue
from paqt_support.exceptions import ApplicationError, NotAllowedError
from tickets.models import EventKind, Issue, IssueEvent


def _check_admin(admin: User) -> None:
    if not (admin.is_active and admin.client_id and admin.is_client_admin):
        raise NotAllowedError(_("Only a client admin can manage colleagues."))


def _check_colleague(*, admin: User, colleague: User) -> None:
    _check_admin(admin)
    if colleague.is_staff or colleague.client_id != admin.client_id:
        raise NotAllowedError(_("You can only manage colleagues of your own organisation."))


def set_password_url(*, user: User, token: str | None = None) -> str:
    """Return the absolute one-time link at which ``user`` chooses a password.

    It is Django's password-reset link, so it expires after ``PASSWORD_RESET_TIMEOUT`` and
    stops working once a password has been set.
    """
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token or default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def invitation_send(*, user: User, invited_by: User) -> None:
    """Queue mail to ``user`` with a link to choose a password, in the user's own language."""
    token = default_token_generator.make_token(user)
    context = {
        "user": user,
        "invited_by": invited_by,
        "client": user.client,
        "url": set_password_url(user=user, token=token),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    outbox_queue(
        messages=outbox_compose(
            kind=OutboxKind.INVITATION,
            # One message per link: a task that runs again makes the same token.
            key=f"{user.pk}:{token}",
            templates=MailTemplates(
                subject="registration/invitation_subject.txt",
                text="registration/invitation_email.txt",
                html="registration/invitation_email.html",
            ),
            context=context,
            recipients=[Recipient.of_user(user)],
        )
    )


def password_reset_send(*, email: str, language: str) -> None:
    """Queue mail to each active account of ``email`` that has a password, with a link to
    choose a new one.

    An address without such an account gets nothing. Run from a task: the page that asked
    answers the same, as fast, whether the address is known or not.
    """
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    messages = []
    for user in form.get_users(form.cleaned_data["email"]):
        token = default_token_generator.make_token(user)
        context = {
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token,
            "protocol": site.scheme or "https",
            "domain": site.netloc,
        }
        messages += outbox_compose(
            kind=OutboxKind.PASSWORD_RESET,
            key=f"{user.pk}:{token}",
            templates=MailTemplates(
                subject="registration/password_reset_subject.txt",
                text="registration/password_reset_email.html",
            ),
            context=context,
            # The language of the page that asked: the person may not be logged in anywhere.
            recipients=[Recipient.of_user(user, language=language)],
        )
    outbox_queue(messages=messages)


def _invitation_queue(*, user: User, invited_by: User) -> None:
    from accounts.tasks import invitation_send_task

    invitation_send_task.delay(user.pk, invited_by.pk)


def invitation_refused_notify(*, admin: User, email: str, key: str) -> int:
    """Tell the team of ``admin``'s client that ``admin`` invited ``email`` in vain.

    The address belongs to an account outside the organisation: no invitation went out, and
    the client admin was told nothing of it. The administrators hear of it when the client
    has no team. ``key`` names this refusal, so that telling it twice mails nobody twice.
    Return how many people were mailed.
    """
    recipients = [Recipient.of_user(m) for m in team_members(client_id=admin.client_id) if m.email]
    if not recipients:
        recipients = [
            Recipient(
                key=f"address:{address.lower()}", address=address, language=settings.LANGUAGE_CODE
            )
            for _name, address in settings.ADMINS
        ]
    outbox_queue(
        messages=outbox_compose(
            kind=OutboxKind.INVITATION_REFUSED,
            key=key,
            templates=MailTemplates(
                subject="accounts/email/invitation_refused_subject.txt",
                text="accounts/email/invitation_refused.txt",
            ),
            context={"admin": admin, "client": admin.client, "email": email},
            recipients=recipients,
        )
    )
    return len(recipients)


def _invitation_refused_queue(*, admin: User, email: str) -> None:
    from accounts.tasks import invitation_refused_notify_task

    invitation_refused_notify_task.delay(admin.pk, email, uuid.uuid4().hex)


def colleague_invite(
    *,
    admin: User,
    email: str,
    first_name: str,
    last_name: str,
    preferred_language: str = "nl",
    is_client_admin: bool = False,
) -> User | None:
    """Create a contact of ``admin``'s client without a password and email a set-password link.

    The email address doubles as the user name. Raise ``ApplicationError`` when a colleague
    has the address already, and ``NotAllowedError`` when ``admin`` is no client admin.

    An address of an account outside the organisation (another client's contact, a staff
    member) is invited in vain: nothing is created or sent, the client's team is told, and
    None returned, so that the admin hears the same as for a new address and learns nothing
    of accounts that are not theirs to see.
    """
    _check_admin(admin)
    email = (email or "").strip().lower()
    if not email:
        raise ApplicationError(_("Enter an email address."), field="email")
    languages = [code for code, _label in User._meta.get_field("preferred_language").choices]
    if preferred_language not in languages:
        raise ApplicationError(_("Choose one of the languages offered."), field="language")
    if _address_taken(admin=admin, email=email):
        return None
    user = User(
        username=email,
        email=email,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
        client_id=admin.client_id,
        is_client_admin=is_client_admin,
        preferred_language=preferred_language,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
            transaction.on_commit(
                lambda: _invitation_queue(user=user, invited_by=admin), robust=True
            )
    except IntegrityError:
        # Someone took the address at the same moment.
        if _address_taken(admin=admin, email=email):
            return None
        raise
    return user


def _address_taken(*, admin: User, email: str) -> bool:
    """Return True when ``email`` belongs to an account outside ``admin``'s organisation,
    having told the team; raise ``ApplicationError`` when a colleague has it."""
    holders = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
    if holders.filter(client_id=admin.client_id).exists():
        raise ApplicationError(
            _("Someone in your organisation has this email address already."), field="email"
        )
    if not holders.exists():
        return False
    transaction.on_commit(lambda: _invitation_refused_queue(admin=admin, email=email), robust=True)
    return True


def colleague_deactivate(*, admin: User, colleague: User) -> User:
    """Stop ``colleague`` from logging in; their issues and replies stay."""
    _check_colleague(admin=admin, colleague=colleague)
    if colleague.pk == admin.pk:
        raise ApplicationError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        colleague.is_active = False
        colleague.save(update_fields=["is_active"])
    return colleague


def colleague_reactivate(*, admin: User, colleague: User) -> User:
    """Let a deactivated ``colleague`` log in again with their own password."""
    _check_colleague(admin=admin, colleague=colleague)
    with transaction.atomic():
        colleague.is_active = True
        colleague.save(update_fields=["is_active"])
    return colleague


# Anonymising a departed contact. The row stays, so that the issues they filed, their
# replies and the history keep pointing at someone; only what identifies the person goes.
# The placeholder is stored data, the same in every language, so it is not translated;
# with first and last name empty, ``User.__str__`` shows it wherever the name was shown.
ANONYMOUS_USERNAME = "former-contact-{pk}"


def user_sessions_end(*, user_id: int) -> int:
    """Delete every unexpired session of user ``user_id``, on all devices; return how many.

    Sessions live in the database (the default engine) and record the user's id only
    inside their encoded data, so each live session is decoded. That is one pass over the
    live sessions, paid only when someone logs out everywhere, is anonymised or loses
    their second factor.
    """
    theirs = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user_id)
    ]
    return Session.objects.filter(session_key__in=theirs).delete()[0]


def _second_factors_remove(*, user: User) -> int:
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed


def _anonymise_refusal(*, user: User, actor: User) -> str | None:
    name = {"name": user}
    if user.pk == actor.pk:
        return _("You cannot anonymise your own account.")
    if user.is_superuser:
        return _("%(name)s is a superuser; only a client's contacts can be anonymised.") % name
    if user.is_staff:
        return _("%(name)s is a staff member; only a client's contacts can be anonymised.") % name
    if user.is_service_account:
        return (
            _("%(name)s is a service account, not a person; deactivate it instead of anonymising.")
            % name
        )
    if not user.client_id:
        return _("%(name)s is no client's contact; only contacts can be anonymised.") % name
    if user.anonymised_at is not None:
        return _("%(name)s has already been anonymised.") % name
    return None


def user_anonymise(*, user: User, actor: User, now: datetime | None = None) -> User:
    """Remove what identifies the departed contact ``user``, keeping their issue history.

    The user name becomes ``former-contact-<id>``; names and email address are emptied;
    the password becomes unusable and the account inactive and no client admin. Their API
    tokens, second factors, sessions, follows and single sign-on links go; their issues,
    replies, files and events stay, and now show the placeholder; the copy of the name that
    follow events keep in their details is replaced too. Text the person wrote stays as written.

    Only an administrator may; staff, service accounts, superusers, someone already
    anonymised and the actor themselves are refused with ``ApplicationError``.
    """
    if not user_is_administrator(actor):
        raise NotAllowedError(_("Only an administrator can anonymise a contact."))
    now = now or timezone.now()
    with transaction.atomic():
        # Locked, so that two administrators at once anonymise (and log) the person once.
        user = User.objects.select_for_update().get(pk=user.pk)
        refusal = _anonymise_refusal(user=user, actor=actor)
        if refusal:
            raise ApplicationError(refusal)
        placeholder = ANONYMOUS_USERNAME.format(pk=user.pk)
        if User.objects.filter(username__iexact=placeholder).exclude(pk=user.pk).exists():
            placeholder = f"{placeholder}-{now:%Y%m%d%H%M%S}"
        address = user.email
        user.username = placeholder
        user.first_name = user.last_name = user.email = ""
        user.set_unusable_password()
        user.is_active = False
        user.is_client_admin = False
        user.anonymised_at = now
        user.save(
            update_fields=[
                "username",
                "first_name",
                "last_name",
                "email",
                "password",
                "is_active",
                "is_client_admin",
                "anonymised_at",
            ]
        )
        removed = {
            "api_tokens": ApiToken.objects.filter(user=user).delete()[0],
            "second_factors": _second_factors_remove(user=user),
            "sessions": user_sessions_end(user_id=user.pk),
            "follows": Issue.watchers.through.objects.filter(user_id=user.pk).delete()[0],
            "emails": mail_forget(user_id=user.pk, address=address),
            "single_sign_on_links": user.external_identities.all().delete()[0],
        }
        events = list(
            IssueEvent.objects.filter(
                kind__in=(EventKind.WATCHER_ADDED, EventKind.WATCHER_REMOVED), data__user=user.pk
            )
        )
        for event in events:
            event.data = {**event.data, "name": placeholder}
        IssueEvent.objects.bulk_update(events, ["data"])
        # Counts only: the log must not keep what was just removed. The actor is named, so
        # that an anonymisation outside a request is not logged as the system's.
        audit_record(action=AuditAction.ANONYMISE, obj=user, detail=removed, user=actor)
    return user
