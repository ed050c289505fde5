"""Wrong second-factor codes, counted against the session and the client address.

Counted against the device, as django-otp does, anyone who knows a password could freeze
its owner's authenticator for days with wrong codes. Counted per session, the owner logging
in afresh is not held up; a session that guesses is ended, and must pass the password (and
its lockout) again.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.middleware import client_address
from paqt_support.ratelimit import limit_exceeded

SESSION_KEY = "two_factor_failures"
ADDRESS_PERIOD_SECONDS = 15 * 60


def code_check_refusal(request, *, now: datetime) -> str | None:
    """Count a code check and return why none may be made now, or None when it may.

    After each wrong code the session waits 1, 2, 4, ... seconds; one client address checks
    at most TWO_FACTOR_CODES_PER_IP codes per quarter of an hour.
    """
    if limit_exceeded(
        scope="two-factor-address",
        key=client_address(request),
        limit=settings.TWO_FACTOR_CODES_PER_IP,
        period=ADDRESS_PERIOD_SECONDS,
        now=now.timestamp(),
    ):
        return _("Too many codes were tried from here. Try again in a quarter of an hour.")
    failures, last = request.session.get(SESSION_KEY, (0, 0.0))
    if failures:
        until = last + 2 ** (failures - 1)
        if now.timestamp() < until:
            when = timezone.localtime(datetime.fromtimestamp(until, tz=UTC))
            return _("Too many wrong codes. Try again after %(time)s.") % {
                "time": formats.time_format(when, "TIME_FORMAT")
            }
    return None


def code_failed(request, *, now: datetime) -> bool:
    """Count a wrong code against the session; return True once the session must end."""
    failures, _last = request.session.get(SESSION_KEY, (0, 0.0))
    failures += 1
    request.session[SESSION_KEY] = (failures, now.timestamp())
    return failures >= settings.TWO_FACTOR_SESSION_FAILURE_LIMIT


def code_accepted(request) -> None:
    """Forget the session's wrong codes."""
    request.session.pop(SESSION_KEY, None)
