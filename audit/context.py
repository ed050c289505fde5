"""Who is acting, through which channel and from where: kept per request in a context variable."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from audit.models import AuditChannel


@dataclass
class AccessContext:
    """The circumstances of an access, as far as the edge that received it knows them.

    ``request`` lets the user be read when an entry is written rather than when the
    request came in: API authentication only settles the user inside the view.
    ``pending`` collects the reads of one request, written in one insert at its end.
    """

    channel: str = AuditChannel.SYSTEM
    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""
    request: Any = None
    user: Any = None
    on_behalf_of: str = ""
    pending: list | None = None
    role_cache: dict = field(default_factory=dict)

    def acting_user(self):
        if self.user is not None:
            return self.user
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                return user
        return None


_SYSTEM = AccessContext()
_current: contextvars.ContextVar[AccessContext] = contextvars.ContextVar("audit_context")


def current() -> AccessContext:
    """Return the context of the access under way: the system's when no request is."""
    return _current.get(_SYSTEM)


def begin(context: AccessContext) -> contextvars.Token:
    return _current.set(context)


def end(token: contextvars.Token) -> None:
    _current.reset(token)


@contextmanager
def acting(**changes):
    """Within the block, record accesses with ``changes`` to the current context.

    For an edge or a service that knows more than the URL tells: an email (channel
    email), or the service account that acts on a webhook's alerts (``user``). The reads
    still pending stay with the request that collected them, which writes them at its end.
    """
    token = _current.set(replace(current(), **changes))
    try:
        yield
    finally:
        _current.reset(token)
