"""The staff's on-call schedule, their paging profile, and the acknowledge page of a page's link."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from audit import context as audit_context
from audit.models import AuditAction, AuditChannel
from audit.services import audit_record
from oncall.forms import PagingProfileForm
from oncall.models import ENDED_UNANSWERED, EscalationState, PagingProfile
from oncall.selectors import office_is_open, oncall_settings, rota_list, rota_schedule
from oncall.services import (
    AcknowledgeLinkError,
    EscalationEndedError,
    escalation_acknowledge,
    page_for_acknowledge_token,
)
from tickets.models import Channel
from tickets.notifications import issue_url_for

SCHEDULE_DAYS = 14


@staff_member_required
@require_GET
def schedule(request):
    """Show who is on call now and in the next 14 days, per rota, as tables and a timeline."""
    now = timezone.now()
    row = oncall_settings()
    schedules = [rota_schedule(rota=rota, now=now, days=SCHEDULE_DAYS) for rota in rota_list()]
    context = {
        **admin.site.each_context(request),
        "title": _("On-call schedule"),
        "now": now,
        "schedules": [
            {
                "schedule": s,
                "hour_columns": range(s.hours),
                "now_after": max(s.hours - s.now_hour - 1, 0),
            }
            for s in schedules
        ],
        "office_open": office_is_open(at=now, row=row),
        "settings_row": row,
    }
    return render(request, "oncall/schedule.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def paging_profile(request):
    """Let an engineer choose the channels they are paged by, in order, with their addresses."""
    profile = PagingProfile.objects.filter(user=request.user).first() or PagingProfile(
        user=request.user, channels=["email"]
    )
    form = PagingProfileForm(request.POST or None, instance=profile)
    saved = False
    if request.method == "POST" and form.is_valid():
        form.save()
        saved = True
    context = {
        **admin.site.each_context(request),
        "title": _("How I am paged"),
        "form": form,
        "saved": saved,
    }
    return render(request, "oncall/paging_profile.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def acknowledge(request, token: str):
    """Confirm (GET) and acknowledge (POST) a page through the signed link it carried.

    The link itself identifies the engineer it was sent to, so no login is needed; only a
    POST acknowledges, so that a mail scanner that follows links changes nothing.
    """
    try:
        page = page_for_acknowledge_token(token=token)
    except AcknowledgeLinkError as exc:
        return render(
            request, "oncall/acknowledge_error.html", {"message": exc.message}, status=exc.status
        )
    escalation = page.escalation
    issue = escalation.issue
    # The link stands for the engineer it was sent to: what it shows and does is theirs.
    access = audit_context.current()
    access.user, access.channel = page.recipient, AuditChannel.EMAIL
    audit_record(action=AuditAction.VIEW, obj=issue)
    context = {
        "page": page,
        "escalation": escalation,
        "issue": issue,
        "issue_url": issue_url_for(user=page.recipient, issue=issue),
    }
    if request.method == "POST":
        try:
            escalation = escalation_acknowledge(
                escalation=escalation, user=page.recipient, channel=Channel.EMAIL
            )
        except EscalationEndedError as exc:
            context.update(message=exc.message, escalation=exc.escalation)
            return render(request, "oncall/acknowledge_error.html", context, status=409)
        context["escalation"] = escalation
        return render(request, "oncall/acknowledged.html", context)
    if escalation.state not in (EscalationState.ACTIVE, *ENDED_UNANSWERED):
        context["message"] = EscalationEndedError(escalation).message
        return render(request, "oncall/acknowledge_error.html", context, status=409)
    return render(request, "oncall/acknowledge.html", context)
