"""Error mail to the administrators: once per kind per interval, none for refused credentials."""

import traceback

from django.conf import settings
from django.utils.log import AdminEmailHandler

from paqt_support.ratelimit import first_in_period

_REFUSED = "authentication_refused"


def authentication_refused_mark(request) -> None:
    """Note on ``request`` (Django's, or DRF's wrapping it) that its credentials were refused."""
    setattr(getattr(request, "_request", request), _REFUSED, True)


def login_refused(sender, credentials, request=None, **kwargs) -> None:
    """Mark the request of a failed login; Django's ``user_login_failed`` calls this."""
    if request is not None:
        authentication_refused_mark(request)


def error_kind(record) -> str:
    """Return what makes errors alike: the exception's class and the line that raised it,
    or for an error without an exception its message."""
    if record.exc_info and record.exc_info[0] is not None:
        kind, _exception, trace = record.exc_info
        frames = traceback.extract_tb(trace)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        return f"{kind.__module__}.{kind.__qualname__} {where}"
    return record.getMessage()


class ThrottledAdminEmailHandler(AdminEmailHandler):
    """Mail an error to ADMINS at most once per kind per ERROR_MAIL_INTERVAL_MINUTES.

    Anyone can make the same error happen again and again, and a request whose credentials
    were refused is mailed never: otherwise an outsider decides how much mail the
    administrators read. The log keeps every occurrence.
    """

    def emit(self, record):
        request = getattr(record, "request", None)
        if getattr(request, _REFUSED, False):
            return
        if first_in_period(
            scope="error-mail",
            key=error_kind(record),
            period=settings.ERROR_MAIL_INTERVAL_MINUTES * 60,
        ):
            super().emit(record)
