"""A client admin manages the contacts of the same client: invite, deactivate, reactivate."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from paqt_support.exceptions import ApplicationError, NotAllowedError


def _check_admin(admin: User) -> None:
    if not (admin.is_active and admin.client_id and admin.is_client_admin):
        raise NotAllowedError(_("Only a client admin can manage colleagues."))


def _check_colleague(*, admin: User, colleague: User) -> None:
    _check_admin(admin)
    if colleague.is_staff or colleague.client_id != admin.client_id:
        raise NotAllowedError(_("You can only manage colleagues of your own organisation."))


def set_password_url(*, user: User) -> str:
    """Return the absolute one-time link at which ``user`` chooses a password.

    It is Django's password-reset link, so it expires after ``PASSWORD_RESET_TIMEOUT`` and
    stops working once a password has been set.
    """
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def invitation_send(*, user: User, invited_by: User) -> None:
    """Email ``user`` a link to choose a password, in the user's own language."""
    context = {
        "user": user,
        "invited_by": invited_by,
        "client": user.client,
        "url": set_password_url(user=user),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with translation.override(user.preferred_language):
        subject = " ".join(render_to_string("registration/invitation_subject.txt", context).split())
        text = render_to_string("registration/invitation_email.txt", context)
        html = render_to_string("registration/invitation_email.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def _invitation_queue(*, user: User, invited_by: User) -> None:
    from accounts.tasks import invitation_send_task

    invitation_send_task.delay(user.pk, invited_by.pk)


def colleague_invite(
    *,
    admin: User,
    email: str,
    first_name: str,
    last_name: str,
    preferred_language: str = "nl",
    is_client_admin: bool = False,
) -> User:
    """Create a contact of ``admin``'s client without a password and email a set-password link.

    The email address doubles as the user name. Raise ``ApplicationError`` when the address
    is taken, and ``NotAllowedError`` when ``admin`` is no client admin.
    """
    _check_admin(admin)
    email = (email or "").strip().lower()
    if not email:
        raise ApplicationError(_("Enter an email address."), field="email")
    languages = [code for code, _label in User._meta.get_field("preferred_language").choices]
    if preferred_language not in languages:
        raise ApplicationError(_("Choose one of the languages offered."), field="language")
    taken = _("Someone with this email address already has an account.")
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise ApplicationError(taken, field="email")
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
        # Two admins invited the same address at the same moment.
        raise ApplicationError(taken, field="email") from None
    return user


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
