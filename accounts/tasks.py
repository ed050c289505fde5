"""Celery tasks for accounts: thin wrappers that load rows and call one service."""

from celery import shared_task

from accounts.lockout.services import unlock_link_send
from accounts.models import User
from accounts.services import invitation_refused_notify, invitation_send, password_reset_send


@shared_task(
    name="accounts.send_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invitation_send_task(user_id: int, invited_by_id: int) -> None:
    # Sending twice only mails a second valid link; a user who set a password meanwhile
    # (or was removed) gets nothing.
    user = User.objects.select_related("client").filter(pk=user_id, is_active=True).first()
    invited_by = User.objects.filter(pk=invited_by_id).first()
    if user is None or invited_by is None or user.has_usable_password():
        return
    invitation_send(user=user, invited_by=invited_by)


@shared_task(
    name="accounts.send_password_reset",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def password_reset_send_task(email: str, language: str) -> None:
    # Sending twice only mails a second valid link.
    password_reset_send(email=email, language=language)


@shared_task(
    name="accounts.notify_invitation_refused",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invitation_refused_notify_task(admin_id: int, email: str, key: str) -> None:
    # The key makes a second run queue nothing new; the admin may have left since.
    admin = User.objects.select_related("client").filter(pk=admin_id).first()
    if admin is not None and admin.client_id:
        invitation_refused_notify(admin=admin, email=email, key=key)


@shared_task(
    name="accounts.send_unlock_link",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def unlock_link_send_task(username: str) -> None:
    # Safe to run twice: one link per lockout, kept in the database.
    unlock_link_send(username=username)
