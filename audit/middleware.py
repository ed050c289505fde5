"""Open an access context for every request, and write its reads when the answer is ready."""

from rest_framework.throttling import BaseThrottle

from audit import context
from audit.models import AuditChannel
from audit.services import audit_flush


def channel_for_path(path: str) -> str:
    """Return the channel a request came in through, by where it was sent."""
    if path.startswith("/api/"):
        return AuditChannel.API
    if path.startswith("/admin/"):
        return AuditChannel.ADMIN
    return AuditChannel.PORTAL


def client_address(request) -> str:
    """Return the client's address as the API's throttles read it (``API_NUM_PROXIES``).

    django-axes counts failed logins against the same address.
    """
    return BaseThrottle().get_ident(request)


class AuditContextMiddleware:
    """Record who acts from where; the reads of the request go in one insert at its end.

    The reads are written even when the view failed: what was read was read. If the
    write itself fails the request fails, rather than hand out data that left no trace.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        access = context.AccessContext(
            channel=channel_for_path(request.path),
            ip_address=client_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            path=request.get_full_path()[:500],
            request=request,
            pending=[],
        )
        token = context.begin(access)
        try:
            response = self.get_response(request)
        finally:
            context.end(token)
        audit_flush(access)
        return response
