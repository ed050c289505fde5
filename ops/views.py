"""Health endpoints and, in local mode only, the mailbox of outgoing email."""

from email import policy
from email.parser import BytesParser

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from oncall.selectors import check_escalations
from ops import health
from ops.mail import mailbox_messages


@never_cache
@require_GET
def healthz(request):
    """Answer 200 while the process can serve requests at all."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Answer 200 when the database, the broker and a worker are all reachable, else 503.

    Escalation steps that are overdue turn the status to "degraded" with the details.
    """
    now = timezone.now()
    checks = {
        "database": health.check_database(),
        "broker": health.check_broker(),
        "worker": health.check_worker(now=now),
    }
    ok = all(c.ok for c in checks.values())
    # An overdue page is reported loudly but does not fail readiness: taking the web
    # servers out of rotation would not send it, and would take the portal down too.
    escalations = check_escalations(now=now) if checks["database"].ok else None
    if not ok:
        status = "unavailable"
    elif escalations is not None and not escalations.ok:
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "checks": {name: c.as_dict() for name, c in checks.items()}}
    if escalations is not None:
        body["checks"]["escalations"] = escalations.as_dict()
    return JsonResponse(body, status=200 if ok else 503)


def _local_only():
    if settings.IS_PRODUCTION or settings.EMAIL_BACKEND != "ops.mail.LocalMailboxBackend":
        raise Http404


@require_GET
def mailbox(request):
    """List the email the app has sent, newest first (local mode)."""
    _local_only()
    return render(request, "ops/mailbox.html", {"messages_": mailbox_messages()})


# The mail's HTML part is shown in a sandboxed frame without scripts; its inline styles
# are how email is written, so this local-only page lets them through.
@csp_update({"style-src": [UNSAFE_INLINE]})
@require_GET
def mailbox_message(request, name: str):
    """Show one sent email with its text and HTML parts (local mode)."""
    _local_only()
    path = settings.MAIL_DIR / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        raise Http404
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return render(
        request,
        "ops/mailbox_message.html",
        {
            "message": message,
            "name": name,
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        },
    )
