"""Writes of second factors: set up, verify, switch off, reset, and a client's requirement."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.models import User
from accounts.services import user_sessions_end
from accounts.two_factor.selectors import second_factor_is_mandatory
from audit.models import AuditAction
from audit.services import audit_record
from clients.models import Client
from clients.selectors import user_is_administrator
from paqt_support.exceptions import ApplicationError, NotAllowedError

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class SecondFactorError(ApplicationError):
    """The code is wrong, expired, used already, or tried too soon after a wrong one."""

    code = "second-factor-invalid"


def totp_key_new() -> str:
    """Return a new random TOTP secret: 20 bytes, hex-encoded, as django-otp stores it."""
    return default_key()


def totp_device_unsaved(*, user: User, key: str) -> TOTPDevice:
    """Return an unsaved device for ``key``, to draw its QR code before it is confirmed."""
    return TOTPDevice(user=user, key=key, name=APP_DEVICE_NAME, confirmed=False)


def normalise_code(code: str) -> str:
    """Return ``code`` without the spaces and dashes people type, in lower case."""
    return "".join(code.split()).replace("-", "").lower()


def _recovery_codes_issue(*, user: User) -> list[str]:
    """Replace ``user``'s recovery codes with new ones and return them; run in a transaction."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_enrol(
    *, user: User, key: str, code: str, now: datetime | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator app holding ``key`` with a ``code`` it shows, at ``now``.

    Save the app as ``user``'s second factor and return it with new recovery codes, which
    are kept only as the one-time codes themselves: show them now. Raise ``SecondFactorError``
    for a wrong code and ``ApplicationError`` when the user has an app already, which only
    they, with a code, or an administrator can remove.
    """
    now = now or timezone.now()
    device = totp_device_unsaved(user=user, key=key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now.timestamp()
    code = normalise_code(code)
    if not (code.isdigit() and totp.verify(int(code), device.tolerance)):
        raise SecondFactorError(
            _("That code is not the one your app shows. Check that you scanned this page's code."),
            field="code",
        )
    with transaction.atomic():
        # The lock keeps two tabs from each saving an app for the same person.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ApplicationError(_("You have set up an authenticator app already."))
        TOTPDevice.objects.filter(user=user).delete()
        # The code just used is spent: the login it leads to cannot be replayed with it.
        device.last_t = totp.t()
        device.drift = totp.drift
        device.confirmed = True
        device.save()
        codes = _recovery_codes_issue(user=user)
        _audit(user=user, what="set up")
    logger.info("Second factor set up for user %s", user.pk)
    return device, codes


def _audit(*, user: User, what: str) -> None:
    # Device rows are not client data, but who changed whose second factor is what a
    # security officer asks first after an incident.
    audit_record(action=AuditAction.CHANGE, obj=user, detail={"second_factor": what})


def second_factor_verify(*, user: User, code: str) -> Device:
    """Return the device of ``user`` that accepts ``code``: the app's 6 digits or a recovery code.

    A recovery code works once. Raise ``SecondFactorError`` otherwise; how often a session
    may try is the pages' to limit (``accounts.two_factor.attempts``), never the device's, so
    that nobody can freeze the owner's app with wrong codes. The app reads the clock itself.
    """
    code = normalise_code(code)
    # Six digits go to the app, anything else to the recovery codes: a typo in one then
    # never delays the other.
    model = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    with transaction.atomic():
        # Locked, so that a code used in two tabs at once is accepted once.
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(code):
            return device
    refused = (
        _("That code is not right, or it has been used already.")
        if model is TOTPDevice
        else _("That is neither a code from your app nor an unused recovery code.")
    )
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        obj=user,
        detail={"username": user.get_username(), "second_factor": "refused"},
    )
    raise SecondFactorError(refused, field="code")


def second_factor_disable(*, user: User, code: str) -> None:
    """Switch off ``user``'s second factor, proven with a current ``code``; not for staff.

    Raise ``NotAllowedError`` when ``user`` must keep one (staff, or their client requires
    it) and ``SecondFactorError`` for a wrong code.
    """
    if second_factor_is_mandatory(user=user):
        raise NotAllowedError(_("Your account must keep two-factor authentication."))
    second_factor_verify(user=user, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _audit(user=user, what="switched off")
    logger.info("Second factor switched off by user %s", user.pk)


def recovery_codes_renew(*, user: User, code: str) -> list[str]:
    """Replace ``user``'s recovery codes after a current ``code``, and return the new ones."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ApplicationError(_("Set up an authenticator app first."))
    second_factor_verify(user=user, code=code)
    with transaction.atomic():
        codes = _recovery_codes_issue(user=user)
        _audit(user=user, what="recovery codes renewed")
    logger.info("Recovery codes renewed by user %s", user.pk)
    return codes


def second_factor_reset(*, user: User, reset_by: User) -> int:
    """Remove ``user``'s app and recovery codes, for someone who lost them; return how many.

    Only an administrator may. The person sets up a new app at their next login (staff, or
    a client that requires it) or logs in with their password alone.
    """
    if not user_is_administrator(reset_by):
        raise NotAllowedError(_("Only an administrator can reset a second factor."))
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        # Whoever holds the lost phone may be logged in with it: every session ends.
        user_sessions_end(user_id=user.pk)
        _audit(user=user, what="reset")
    logger.info("Second factor of user %s reset by user %s", user.pk, reset_by.pk)
    return removed


def client_two_factor_require(*, admin: User, required: bool) -> Client:
    """Make two-factor authentication mandatory, or optional, for ``admin``'s organisation.

    Contacts without an app are taken to set one up at their next page, the admin too.
    Raise ``NotAllowedError`` unless ``admin`` is an active client admin.
    """
    if not (admin.is_active and admin.client_id and admin.is_client_admin):
        raise NotAllowedError(_("Only a client admin can change this."))
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=admin.client_id)
        client.requires_two_factor = required
        client.save(update_fields=["requires_two_factor"])
    logger.info(
        "Two-factor requirement of client %s set to %s by user %s", client.pk, required, admin.pk
    )
    return client
