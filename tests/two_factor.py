"""Second factors for tests: a confirmed authenticator app, its codes, and logging in with it."""

from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def app_for(user: User) -> TOTPDevice:
    """Return ``user``'s confirmed authenticator app, made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def app_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """Return the 6 digits the app shows now, or ``steps_ahead`` periods of 30 s from now.

    A code is accepted once: after one was used, pass ``steps_ahead=1`` for the next one
    (the device accepts one period of clock drift), or travel in time.
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{totp.token():0{device.digits}d}"


def recovery_codes_for(user: User, *codes: str) -> list[str]:
    """Give ``user`` the recovery ``codes`` (or three made up) and return them."""
    codes = codes or ("alpha234", "bravo567", "charlie2")
    device = StaticDevice.objects.create(user=user, name="Test codes", confirmed=True)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return list(codes)


def login_with_second_factor(client, user: User, *, language: str = "en"):
    """Log ``user`` in on the test ``client`` as if they had entered their app's code.

    The user gets a confirmed app when they have none; the page language is ``language``.
    """
    device = app_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client
