"""Reads of a person's second factor: whether they have one, and whether they owe one."""

import enum

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


class Demand(enum.Enum):
    """What a logged-in person must do before going on."""

    SET_UP = "set-up"
    VERIFY = "verify"


def _has_app():
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


def user_list_with_second_factor(*, users: QuerySet[User]) -> QuerySet[User]:
    """Return ``users`` annotated with ``has_second_factor``: a confirmed authenticator app."""
    return users.annotate(has_second_factor=_has_app())


def second_factor_is_set_up(*, user: User) -> bool:
    """Return whether ``user`` has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def second_factor_is_mandatory(*, user: User, client_requires: bool | None = None) -> bool:
    """Return whether ``user`` may not do without a second factor: staff, or a client's rule.

    ``client_requires`` spares a query when the caller has read the client's flag already.
    Always False while ``TWO_FACTOR_ENFORCED`` is off.
    """
    if not settings.TWO_FACTOR_ENFORCED or user.is_service_account:
        return False
    if user.is_staff:
        return True
    if not user.client_id:
        return False
    if client_requires is None:
        client_requires = user.client.requires_two_factor
    return client_requires


def second_factor_demand(*, user: User) -> Demand | None:
    """Return what the logged-in, unverified ``user`` must do first, or None to let them on.

    One query: whether they have an app, and whether their client requires one. Someone
    with an app always enters its code, whether they had to set it up or chose to.
    """
    if not settings.TWO_FACTOR_ENFORCED:
        return None
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(has_app=_has_app())
        .values_list("has_app", "client__requires_two_factor")
        .first()
    )
    if row is None:
        return None
    has_app, client_requires = row
    if has_app:
        return Demand.VERIFY
    if second_factor_is_mandatory(user=user, client_requires=bool(client_requires)):
        return Demand.SET_UP
    return None


def recovery_codes_left(*, user: User) -> int:
    """Return how many unused recovery codes ``user`` has."""
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()
