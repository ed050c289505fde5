"""The monthly SLA report and the yearly evaluation of a client, for staff, as pages and files."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clients.models import Client
from paqt_support.dates import when_csv
from sla.evaluation_pages import evaluation_response, priority_chart
from sla.policy import VERDICT_LABELS
from sla.selectors import ReportClock, SlaReport, sla_report, sla_report_client_for_user
from tickets.notifications import issue_url_for

# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _report_for(request: HttpRequest, client_code: str, year: str, month: str) -> SlaReport:
    # Not staff, not on the client's team and no such client all answer 404, so the
    # report does not reveal which client codes exist.
    try:
        client = sla_report_client_for_user(user=request.user, code=client_code)
    except Client.DoesNotExist:
        raise Http404 from None
    if not 1 <= int(month) <= 12 or not 2000 <= int(year) <= 2999:
        raise Http404
    return sla_report(client=client, year=int(year), month=int(month), now=timezone.now())


def _month_path(*, name: str, client: Client, year: int, month: int) -> str:
    return reverse(name, args=[client.code, f"{year:04d}", f"{month:02d}"])


@require_GET
@login_required
def report(request: HttpRequest, client_code: str, year: str, month: str) -> HttpResponse:
    data = _report_for(request, client_code, year, month)
    previous = (data.year - 1, 12) if data.month == 1 else (data.year, data.month - 1)
    following = (data.year + 1, 1) if data.month == 12 else (data.year, data.month + 1)
    return render(
        request,
        "sla/report.html",
        {
            "report": data,
            "chart": priority_chart(data.by_priority, chart_id="chart-month-priorities"),
            "month_start": data.starts_at,
            "csv_url": _month_path(
                name="sla:report-csv", client=data.client, year=data.year, month=data.month
            ),
            "previous_url": _month_path(
                name="sla:report", client=data.client, year=previous[0], month=previous[1]
            ),
            "next_url": _month_path(
                name="sla:report", client=data.client, year=following[0], month=following[1]
            ),
        },
    )


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _clock_cells(clock: ReportClock | None) -> list[str]:
    if clock is None:
        return [_("no target"), "", "", "", ""]
    return [
        str(clock.target_minutes),
        when_csv(clock.due_at),
        when_csv(clock.stopped_at),
        str(VERDICT_LABELS[clock.verdict]),
        when_csv(clock.missed_at),
    ]


@require_GET
@login_required
def report_csv(request: HttpRequest, client_code: str, year: str, month: str) -> HttpResponse:
    data = _report_for(request, client_code, year, month)
    filename = f"sla-{data.client.code}-{data.year:04d}-{data.month:02d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Excel only reads a UTF-8 CSV as UTF-8 when it starts with a byte order mark.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Reference"),
            _("Title"),
            _("Priority"),
            _("Status"),
            _("Filed at"),
            _("First response target (business minutes)"),
            _("First response due at"),
            _("First response at"),
            _("First response"),
            _("First response missed at"),
            _("Resolution target (business minutes)"),
            _("Resolution due at"),
            _("Resolved at"),
            _("Resolution"),
            _("Resolution missed at"),
            _("Re-prioritised"),
            _("Merged duplicate"),
            _("Link"),
        ]
    )
    for row in data.rows:
        issue = row.issue
        writer.writerow(
            [
                _cell(issue.reference),
                _cell(issue.title),
                issue.priority,
                _cell(issue.get_status_display()),
                when_csv(issue.created_at),
                *_clock_cells(row.response),
                *_clock_cells(row.resolution),
                _("yes") if row.reprioritised else _("no"),
                _("yes") if row.merged else _("no"),
                issue_url_for(user=request.user, issue=issue),
            ]
        )
    return response


def _evaluation(request: HttpRequest, client_code: str, year: str, output: str) -> HttpResponse:
    # Not staff, not on the client's team and no such client all answer 404, as the
    # monthly report does.
    try:
        client = sla_report_client_for_user(user=request.user, code=client_code)
    except Client.DoesNotExist:
        raise Http404 from None
    if not 2000 <= int(year) <= 2999:
        raise Http404
    args = [client.code, year]
    return evaluation_response(
        request,
        client=client,
        year=int(year),
        output=output,
        urls={
            "csv": reverse("sla:evaluation-csv", args=args),
            "pdf": reverse("sla:evaluation-pdf", args=args),
        },
    )


@require_GET
@login_required
def evaluation(request: HttpRequest, client_code: str, year: str) -> HttpResponse:
    """Show the yearly evaluation of a client, or of a period given by ``start`` and ``end``."""
    return _evaluation(request, client_code, year, "html")


@require_GET
@login_required
def evaluation_csv(request: HttpRequest, client_code: str, year: str) -> HttpResponse:
    return _evaluation(request, client_code, year, "csv")


@require_GET
@login_required
def evaluation_pdf(request: HttpRequest, client_code: str, year: str) -> HttpResponse:
    return _evaluation(request, client_code, year, "pdf")
