"""The browser in which the owner opened an unlock link may log in to that account at once."""

import time

from axes.helpers import get_client_username
from django.conf import settings

SESSION_KEY = "unlocked_account"


def bypass_grant(request, *, username: str) -> None:
    """Let this browser log in as ``username`` through any lock, for AXES_COOLOFF_TIME."""
    until = time.time() + settings.AXES_COOLOFF_TIME.total_seconds()
    request.session[SESSION_KEY] = {"username": username, "until": until}


def bypass_granted(request, credentials=None) -> bool:
    """Return whether django-axes lets this login through: AXES_WHITELIST_CALLABLE.

    Only the browser holding the grant, and only for the account the link was for: whoever
    keeps guessing elsewhere stays locked out.
    """
    session = getattr(request, "session", None)
    grant = session.get(SESSION_KEY) if session is not None else None
    if not grant or time.time() >= grant["until"]:
        return False
    return get_client_username(request, credentials) == grant["username"]
