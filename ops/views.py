"""Health endpoints and, in local mode only, the mailbox of outgoing email."""

import hmac
import json
from email import policy
from email.parser import BytesParser

from csp.decorators import csp_exempt
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from accounts.two_factor.selectors import second_factor_demand
from audit.middleware import client_address
from ops import health
from ops.mail import local_message_record, mailbox_messages
from ops.metrics import address_may_read_metrics, exposition


@never_cache
@require_GET
def healthz(request):
    """Answer 200 while the process can serve requests at all."""
    return JsonResponse({"status": "ok"})


def bearer_token_matches(request) -> bool:
    """Return whether ``request`` sends ``READYZ_TOKEN`` as ``Authorization: Bearer <token>``."""
    token = settings.READYZ_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return bool(
        token and scheme.lower() == "bearer" and hmac.compare_digest(sent.encode(), token.encode())
    )


def may_read_details(request) -> bool:
    """Return whether ``request`` may read the details of /readyz.

    Monitoring sends ``READYZ_TOKEN`` as ``Authorization: Bearer <token>``; a person needs
    an active staff account, with the second factor entered when one is owed.
    """
    if bearer_token_matches(request):
        return True
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    return user.is_verified() or second_factor_demand(user=user) is None


@never_cache
@require_GET
def readyz(request):
    """Answer 200 when the database, the broker and a worker are all reachable, else 503.

    A failing cache, an overdue or undeliverable escalation step, a failing paging channel
    or an SLA clock the sweep left behind turns the status to "degraded" and still answers
    200. Anybody sees each check's name and
    whether it passed; a staff session or READYZ_TOKEN sees why, with the heartbeat's age
    and how late the oldest overdue step and clock are.
    """
    status, checks = health.readiness(now=timezone.now())
    if may_read_details(request):
        shown = {name: check.as_dict() for name, check in checks.items()}
    else:
        shown = {name: {"ok": check.ok} for name, check in checks.items()}
    return JsonResponse(
        {"status": status, "checks": shown}, status=503 if status == "unavailable" else 200
    )


@never_cache
@require_GET
def metrics(request):
    """Answer every metric in Prometheus's text format, to READYZ_TOKEN or METRICS_ALLOWED_IPS."""
    if not (bearer_token_matches(request) or address_may_read_metrics(client_address(request))):
        return HttpResponseForbidden(
            "Send READYZ_TOKEN as Authorization: Bearer, or ask from METRICS_ALLOWED_IPS.\n"
        )
    return HttpResponse(exposition(now=timezone.now()), content_type=CONTENT_TYPE_PLAIN_0_0_4)


def _local_only():
    if settings.IS_PRODUCTION or settings.EMAIL_BACKEND != "ops.mail.LocalMailboxBackend":
        raise Http404


@require_GET
def mailbox(request):
    """List the email the app has sent, newest first (local mode)."""
    _local_only()
    return render(request, "ops/mailbox.html", {"messages_": mailbox_messages()})


def _mailbox_file(name: str):
    path = settings.MAIL_DIR / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        raise Http404
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


@require_GET
def mailbox_message(request, name: str):
    """Show one sent email: its text part with live links, and a link to its HTML part."""
    _local_only()
    message = _mailbox_file(name)
    text = message.get_body(preferencelist=("plain",))
    return render(
        request,
        "ops/mailbox_message.html",
        {
            "message": message,
            "name": name,
            "text": text.get_content() if text else "",
            "has_html": message.get_body(preferencelist=("html",)) is not None,
        },
    )


# A chat service posts to its webhooks without a CSRF token; this stands in for one.
@csrf_exempt
@require_POST
def webhook_sink(request, name: str):
    """Keep a chat-webhook message posted as ``{"text": ...}`` for the mailbox (local mode)."""
    _local_only()
    try:
        text = json.loads(request.body or b"{}").get("text", "")
    except (ValueError, AttributeError):
        return JsonResponse({"error": "send a JSON object with a text"}, status=400)
    local_message_record(kind="webhook", to=name, text=str(text))
    return JsonResponse({"ok": True})


# The HTML part opens as a page of its own, so that its links (an acknowledge button)
# work as they do in a mail client; a frame would meet the app's frame-ancestors 'none'.
# The sandbox keeps the mail's markup from running script or reading this origin.
MAIL_HTML_POLICY = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:"
)


@csp_exempt()
@require_GET
def mailbox_message_html(request, name: str):
    """Answer with the HTML part of one sent email, sandboxed (local mode)."""
    _local_only()
    html = _mailbox_file(name).get_body(preferencelist=("html",))
    if html is None:
        raise Http404
    response = HttpResponse(html.get_content(), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = MAIL_HTML_POLICY
    return response
