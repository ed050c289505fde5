"""Health endpoints and, in local mode only, the mailbox of outgoing email."""

import hmac
from email import policy
from email.parser import BytesParser

from csp.decorators import csp_exempt
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.two_factor.selectors import second_factor_demand
from ops import health
from ops.mail import mailbox_messages


@never_cache
@require_GET
def healthz(request):
    """Answer 200 while the process can serve requests at all."""
    return JsonResponse({"status": "ok"})


def may_read_details(request) -> bool:
    """Return whether ``request`` may read the details of /readyz and /metrics.

    Monitoring sends ``READYZ_TOKEN`` as ``Authorization: Bearer <token>``; a person needs
    an active staff account, with the second factor entered when one is owed.
    """
    token = settings.READYZ_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    return user.is_verified() or second_factor_demand(user=user) is None


@never_cache
@require_GET
def readyz(request):
    """Answer 200 when the database, the broker and a worker are all reachable, else 503.

    A failing cache, an overdue escalation step or an SLA clock the sweep left behind turns
    the status to "degraded" and still answers 200. Anybody sees each check's name and
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


# (check, its value, the gauge's name, what it measures) for /metrics.
FIGURES = (
    (
        "escalations",
        "overdue_steps",
        "paqt_escalation_overdue_steps",
        "Escalation steps that fell due and were neither sent nor given up.",
    ),
    (
        "escalations",
        "oldest_overdue_seconds",
        "paqt_escalation_oldest_overdue_seconds",
        "Seconds since the oldest overdue escalation step fell due (0: none is overdue).",
    ),
    (
        "sla",
        "overdue_clocks",
        "paqt_sla_overdue_clocks",
        "SLA clocks that have waited too long for the sweep.",
    ),
    (
        "sla",
        "oldest_overdue_seconds",
        "paqt_sla_oldest_overdue_seconds",
        "Seconds the oldest of those clocks has waited (0: none waits).",
    ),
)


def _gauge(name: str, help_text: str, samples: list[tuple[str, float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    return lines + [f"{name}{labels} {value:g}" for labels, value in samples]


@never_cache
@require_GET
def metrics(request):
    """Answer the readiness figures in Prometheus's text format, to READYZ_TOKEN or staff."""
    if not may_read_details(request):
        return HttpResponseForbidden("Send READYZ_TOKEN as Authorization: Bearer.\n")
    _status, checks = health.readiness(now=timezone.now())
    values = {name: check.values for name, check in checks.items()}
    lines = _gauge(
        "paqt_check_ok",
        "Whether a readiness check of /readyz passes (1) or fails (0).",
        [(f'{{check="{name}"}}', int(check.ok)) for name, check in checks.items()],
    )
    lines += _gauge(
        "paqt_worker_heartbeat_age_seconds",
        "Seconds since each worker last ran the heartbeat task that beat sends.",
        [
            (f'{{worker="{worker}"}}', age)
            for worker, age in values["worker"].get("workers", {}).items()
        ],
    )
    for check, key, name, help_text in FIGURES:
        if key in values.get(check, {}):
            lines += _gauge(name, help_text, [("", values[check][key])])
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; version=0.0.4")


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
