"""Portal pages where a client's contacts file and follow the issues of their organisation."""

import uuid
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oncall.selectors import paging_for_client
from paqt_support.exceptions import ApplicationError, RateLimitedError
from paqt_support.ratelimit import limit_exceeded
from portal.forms import AttachmentForm, IssueFilterForm, IssueForm, ReplyForm, StatusForm
from portal.selectors import issue_detail_for_user, issue_search_with_clocks
from portal.targets_text import priority_offers
from sla.evaluation_pages import evaluation_response
from sla.models import ClockKind
from sla.policy import ClockHealth
from sla.selectors import agreement_applying, sla_health_for_issue
from tickets import selectors, services, workflow
from tickets.attachments import attachment_response
from tickets.choices import Priority, Status
from tickets.models import Attachment, Issue

ISSUES_PER_PAGE = 50


def contact_required(view):
    """Let in a client's contacts; send staff to the admin, where their work is."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.client_id:
            if request.user.is_staff:
                return redirect("admin:index")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _issue_or_404(request, reference: str) -> Issue:
    try:
        return issue_detail_for_user(user=request.user, reference=reference)
    except Issue.DoesNotExist:
        raise Http404 from None


@contact_required
@require_GET
def home(request):
    """Send a contact to the issue list, the portal's front page."""
    return redirect("portal:issue-list")


@contact_required
@require_GET
def issue_list(request):
    """List the organisation's issues with search, filters, sort and 50 to a page."""
    form = IssueFilterForm(request.GET)
    issues = issue_search_with_clocks(user=request.user, **form.search())
    page = Paginator(issues, ISSUES_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(issue, _sla_cells(issue, now=now)) for issue in page.object_list]
    return render(
        request,
        "portal/issue_list.html",
        {"form": form, "page": page, "rows": rows, "filtered": _is_filtered(form)},
    )


def _sla_cells(issue: Issue, *, now) -> list[tuple[str, ClockHealth | None]]:
    """Return (label, health) of the first-response and the resolution clock, in that order.

    A clock an issue does not have (no resolution target) comes as None.
    """
    health = sla_health_for_issue(issue=issue, now=now)
    return [(label, health.get(kind)) for kind, label in ClockKind.choices]


def _is_filtered(form: IssueFilterForm) -> bool:
    search = form.search()
    return bool(search["query"] or search["statuses"] or search["priorities"] or search["mine"])


@contact_required
@require_http_methods(["GET", "POST"])
def issue_create(request):
    """File an issue at a priority the agreement offers; one issue per form, however often sent."""
    agreement = agreement_applying(client_id=request.user.client_id, at=timezone.now())
    if agreement is None:
        return render(request, "portal/issue_form.html", {"form": None})
    offers = priority_offers(
        agreement.targets.select_related("agreement__calendar"), now=timezone.now()
    )
    if request.method == "POST":
        form = IssueForm(request.POST, request.FILES, offers=offers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                _filing_limit_check(request.user)
                issue = services.issue_create(
                    client=request.user.client,
                    requester=request.user,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    component=data["component"],
                    priority=data["priority"],
                    files=data["attachments"],
                    submission_token=data["submission_token"],
                )
            except services.DuplicateSubmissionError as exc:
                messages.info(request, exc.message)
                return redirect("portal:issue-detail", exc.issue.reference)
            except ApplicationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("Thank you. Your issue has been filed as %(reference)s.")
                    % {"reference": issue.reference},
                )
                return redirect("portal:issue-detail", issue.reference)
    else:
        offered = {o.priority for o in offers}
        form = IssueForm(
            initial={
                "submission_token": uuid.uuid4(),
                "priority": Priority.P3 if Priority.P3 in offered else None,
            },
            offers=offers,
        )
    return render(request, "portal/issue_form.html", {"form": form, "agreement": agreement})


def _filing_limit_check(user) -> None:
    """Raise ``RateLimitedError`` once ``user`` filed ISSUE_FILING_LIMIT issues this period."""
    minutes = settings.ISSUE_FILING_PERIOD_MINUTES
    if limit_exceeded(
        scope="portal-filing",
        key=str(user.pk),
        limit=settings.ISSUE_FILING_LIMIT,
        period=minutes * 60,
    ):
        raise RateLimitedError(
            _(
                "You have filed %(count)d issues in %(minutes)d minutes, the most we take. "
                "Wait a few minutes before filing the next, or call us when it is urgent."
            )
            % {"count": settings.ISSUE_FILING_LIMIT, "minutes": minutes}
        )


def _may_move(request, issue: Issue, target: str) -> bool:
    try:
        workflow.check_transition(
            current=issue.status,
            target=target,
            actor=workflow.Actor(is_staff=request.user.is_staff),
            done_at=issue.resolved_at or issue.closed_at,
            now=timezone.now(),
            reopen_window=timedelta(days=settings.ISSUE_REOPEN_DAYS),
        )
    except workflow.TransitionError:
        return False
    return True


def _detail(request, issue: Issue, *, reply_form=None, attachment_form=None, status=200):
    user = request.user
    watchers = list(selectors.watcher_list_for_issue(issue=issue, user=user))
    context = {
        "issue": issue,
        "sla_cells": _sla_cells(issue, now=timezone.now()),
        "comments": selectors.comment_list_for_issue(issue=issue, user=user),
        "files": selectors.attachment_list_for_issue(issue=issue, user=user)
        .select_related("uploaded_by")
        .filter(comment__isnull=True),
        "history": selectors.event_list_public_history(issue=issue, user=user),
        "watchers": watchers,
        "is_watching": any(w.pk == user.pk for w in watchers),
        "can_close": _may_move(request, issue, Status.CLOSED),
        "can_reopen": _may_move(request, issue, Status.IN_PROGRESS),
        "reply_form": reply_form or ReplyForm(),
        "attachment_form": attachment_form or AttachmentForm(),
        "reopen_days": settings.ISSUE_REOPEN_DAYS,
        "paging": paging_for_client(issue_id=issue.pk),
        "paging_names": settings.PORTAL_SHOWS_ONCALL_NAMES,
    }
    return render(request, "portal/issue_detail.html", context, status=status)


@contact_required
@require_GET
def issue_detail(request, reference: str):
    """Show an issue: description, public conversation, files, history, watchers and SLA."""
    return _detail(request, _issue_or_404(request, reference))


@contact_required
@require_POST
def issue_reply(request, reference: str):
    issue = _issue_or_404(request, reference)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        body, files = form.cleaned_data["body"], form.cleaned_data["attachments"]
        try:
            if body:
                services.comment_create(issue=issue, author=request.user, body=body, files=files)
            else:
                services.attachment_add(issue=issue, uploaded_by=request.user, files=files)
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            if body:
                messages.success(request, _("Your reply has been added."))
            else:
                messages.success(
                    request,
                    ngettext("%(count)d file added.", "%(count)d files added.", len(files))
                    % {"count": len(files)},
                )
            return redirect("portal:issue-detail", issue.reference)
    return _detail(request, issue, reply_form=form, status=400)


@contact_required
@require_POST
def issue_attach(request, reference: str):
    issue = _issue_or_404(request, reference)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = services.attachment_add(
                issue=issue, uploaded_by=request.user, files=form.cleaned_data["attachments"]
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                ngettext("%(count)d file added.", "%(count)d files added.", len(stored))
                % {"count": len(stored)},
            )
            return redirect("portal:issue-detail", issue.reference)
    return _detail(request, issue, attachment_form=form, status=400)


def _change_status(request, reference: str, *, status: str, done: str):
    issue = _issue_or_404(request, reference)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("portal:issue-detail", issue.reference)
    try:
        services.issue_change_status(
            issue=issue,
            actor=request.user,
            status=status,
            expected_version=form.cleaned_data["version"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("portal:issue-detail", issue.reference)


@contact_required
@require_POST
def issue_close(request, reference: str):
    return _change_status(
        request, reference, status=Status.CLOSED, done=_("The issue has been closed.")
    )


@contact_required
@require_POST
def issue_reopen(request, reference: str):
    return _change_status(
        request, reference, status=Status.IN_PROGRESS, done=_("The issue has been reopened.")
    )


@contact_required
@require_POST
def issue_watch(request, reference: str):
    """Follow or stop following an issue: ``watch=1`` or ``watch=0``."""
    issue = _issue_or_404(request, reference)
    watch = request.POST.get("watch") == "1"
    try:
        services.issue_watch(issue=issue, actor=request.user, watcher=request.user, watch=watch)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("You now follow this issue.") if watch else _("You no longer follow this issue."),
        )
    return redirect("portal:issue-detail", issue.reference)


@login_required
@require_GET
def attachment_download(request, pk: int):
    """Send a file to someone who may see its issue, always as a download.

    Staff may download too, within the clients of their teams.
    """
    try:
        attachment = selectors.attachment_get_for_user(user=request.user, pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None
    try:
        return attachment_response(attachment)
    except FileNotFoundError:
        raise Http404 from None


def _evaluation(request, year: int, output: str):
    # A contact reads the evaluation of its own organisation only: the client comes from
    # the login, never from the URL.
    if not 2000 <= year <= 2999:
        raise Http404
    args = [year]
    return evaluation_response(
        request,
        client=request.user.client,
        year=year,
        output=output,
        urls={
            "csv": reverse("portal:evaluation-csv", args=args),
            "pdf": reverse("portal:evaluation-pdf", args=args),
        },
    )


@contact_required
@require_GET
def evaluation(request, year: int):
    """Show the organisation's yearly evaluation to any of its contacts."""
    return _evaluation(request, year, "html")


@contact_required
@require_GET
def evaluation_csv(request, year: int):
    return _evaluation(request, year, "csv")


@contact_required
@require_GET
def evaluation_pdf(request, year: int):
    return _evaluation(request, year, "pdf")
