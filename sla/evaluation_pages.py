"""The yearly evaluation as a page, a CSV file and a PDF, for staff and for a client's contacts."""

import csv
from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from weasyprint import HTML

from clients.models import Client
from oncall.policy import END_REASON_LABELS
from paqt_support.dates import day_text, when_csv
from sla.charts import Series, bar_chart
from sla.evaluation import (
    Distribution,
    Evaluation,
    PeriodError,
    evaluation_period_check,
    sla_evaluation,
)
from sla.models import ClockKind
from tickets.notifications import issue_url_for


class PeriodForm(forms.Form):
    """A period other than the calendar year: from a date up to and including another."""

    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("Up to and including"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both dates of the period, or neither."))
        if start and end:
            try:
                evaluation_period_check(first_day=start, last_day=end)
            except PeriodError as exc:
                raise forms.ValidationError(exc.message) from None
        return data


def _percentage(tally) -> float | None:
    return tally.met_percentage


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def compliance_chart(*, chart_id: str, title: str, desc: str, lines, labels) -> SafeString:
    """Return the chart of the share of first responses and resolutions in time per line."""
    return bar_chart(
        chart_id=chart_id,
        title=title,
        desc=desc,
        categories=labels,
        series=[
            Series(_("First response"), [_percentage(line.response) for line in lines], "bar-a"),
            Series(_("Resolution"), [_percentage(line.resolution) for line in lines], "bar-b"),
        ],
        maximum=100,
        unit="%",
    )


def priority_chart(lines, *, chart_id: str) -> SafeString:
    """Return ``compliance_chart`` of report lines per priority, labelled P1 to P4."""
    return compliance_chart(
        chart_id=chart_id,
        title=_("Targets met per priority"),
        desc=_("Share of first responses and resolutions in time, per priority, in percent."),
        lines=lines,
        labels=[line.label[:2] for line in lines],
    )


def evaluation_charts(evaluation: Evaluation) -> dict:
    """Return the report's charts as SVG, keyed by section; the tables hold the same figures."""
    response, resolution = _("First response"), _("Resolution")
    times = [
        (response, evaluation.response_times, evaluation.previous_response_times),
        (resolution, evaluation.resolution_times, evaluation.previous_resolution_times),
    ]
    return {
        "months": compliance_chart(
            chart_id="chart-months",
            title=_("Targets met per month"),
            desc=_("Share of first responses and resolutions in time, per month, in percent."),
            lines=evaluation.months,
            labels=[line.label[:3] for line in evaluation.months],
        ),
        "priorities": priority_chart(evaluation.priorities, chart_id="chart-priorities"),
        "categories": bar_chart(
            chart_id="chart-categories",
            title=_("Issues per category"),
            desc=_("Number of issues filed in the period, per category."),
            categories=[name for name, _n in evaluation.by_category],
            series=[Series(_("Issues"), [n for _name, n in evaluation.by_category], "bar-a")],
        ),
        "components": bar_chart(
            chart_id="chart-components",
            title=_("Top components"),
            desc=_("Number of issues filed in the period for the components with the most."),
            categories=[name[:14] for name, _n in evaluation.top_components],
            series=[Series(_("Issues"), [n for _name, n in evaluation.top_components], "bar-a")],
        ),
        "times": bar_chart(
            chart_id="chart-times",
            title=_("Response and resolution times"),
            desc=_("Median and 90th percentile in hours, this period and the previous one."),
            categories=[
                label % {"clock": name}
                for name, _now, _before in times
                for label in (_("%(clock)s median"), _("%(clock)s p90"))
            ],
            series=[
                Series(
                    _("This period"),
                    [_hours(v) for _n, d, _b in times for v in (d.median, d.p90)],
                    "bar-a",
                ),
                Series(
                    _("Previous period"),
                    [_hours(v) for _n, _d, b in times for v in (b.median, b.p90)],
                    "bar-b",
                ),
            ],
            unit=" h",
        ),
    }


def evaluation_period(request: HttpRequest, year: int) -> tuple[PeriodForm, date, date]:
    """Return the period form and the chosen period: the calendar year unless dates are given."""
    form = PeriodForm(request.GET or None)
    starts_on, ends_on = date(year, 1, 1), date(year + 1, 1, 1)
    if form.is_valid() and form.cleaned_data.get("start"):
        starts_on = form.cleaned_data["start"]
        ends_on = date.fromordinal(form.cleaned_data["end"].toordinal() + 1)
    return form, starts_on, ends_on


def evaluation_response(
    request: HttpRequest,
    *,
    client: Client,
    year: int,
    output: str,
    urls: dict[str, str],
) -> HttpResponse:
    """Answer with the evaluation of ``client`` as ``output`` ("html", "csv" or "pdf").

    Issues link to where the reader works with them: the admin for staff, else the portal.
    ``urls`` holds the page's own links: "html", "csv" and "pdf".
    """

    def issue_url(issue) -> str:
        return issue_url_for(user=request.user, issue=issue)

    form, starts_on, ends_on = evaluation_period(request, year)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "sla/evaluation.html",
            {"form": form, "client": client, "year": year},
            status=400,
        )
    evaluation = sla_evaluation(
        client=client, starts_on=starts_on, ends_on=ends_on, now=timezone.now()
    )
    name = f"evaluatie-{client.code}-{starts_on.isoformat()}"
    if output == "csv":
        return _csv(evaluation, filename=f"{name}.csv", issue_url=issue_url)
    context = {
        "form": form,
        "client": client,
        "year": year,
        "evaluation": evaluation,
        "last_day": date.fromordinal(ends_on.toordinal() - 1),
        "charts": evaluation_charts(evaluation),
        "breaches": [{"breach": b, "url": issue_url(b.issue)} for b in evaluation.breaches],
        "paging": [
            {
                "line": line,
                "url": issue_url(line.issue),
                "reason": END_REASON_LABELS.get(line.end_reason, line.end_reason),
            }
            for line in evaluation.paging
        ],
        "urls": urls,
        "for_pdf": output == "pdf",
    }
    if output == "pdf":
        return _pdf(request, context, filename=f"{name}.pdf")
    return render(request, "sla/evaluation.html", context)


def _pdf(request: HttpRequest, context: dict, *, filename: str) -> HttpResponse:
    html = render_to_string("sla/evaluation.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _minutes(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _csv(evaluation: Evaluation, *, filename: str, issue_url) -> HttpResponse:
    """One table of figures: section, item, and the figures of each line."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Excel only reads a UTF-8 CSV as UTF-8 when it starts with a byte order mark.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Section"),
            _("Item"),
            _("Issues"),
            _("First responses in time"),
            _("First responses late"),
            _("Resolutions in time"),
            _("Resolutions late"),
        ]
    )
    writer.writerow(
        [
            _("Period"),
            _("%(start)s up to %(end)s")
            % {"start": day_text(evaluation.starts_on), "end": day_text(evaluation.ends_on)},
        ]
    )
    for section, lines in ((_("Month"), evaluation.months), (_("Priority"), evaluation.priorities)):
        for line in lines:
            writer.writerow(
                [
                    section,
                    line.label,
                    line.issues,
                    line.response.met,
                    line.response.breached,
                    line.resolution.met,
                    line.resolution.breached,
                ]
            )
    for name, n in evaluation.by_category:
        writer.writerow([_("Category"), name, n])
    for name, n in evaluation.by_component:
        writer.writerow([_("Component"), name, n])
    writer.writerow([])
    writer.writerow(
        [_("Section"), _("Item"), _("Count"), _("Median (minutes)"), _("p90 (minutes)")]
    )
    for label, distribution in (
        (_("First response, this period"), evaluation.response_times),
        (_("First response, previous period"), evaluation.previous_response_times),
        (_("Resolution, this period"), evaluation.resolution_times),
        (_("Resolution, previous period"), evaluation.previous_resolution_times),
        (_("Acknowledging a page"), evaluation.acknowledge_times),
        (_("Monitoring alert to resolution"), evaluation.alert_resolution_times),
    ):
        writer.writerow([_("Times"), label, *_distribution_cells(distribution)])
    writer.writerow([])
    writer.writerow(
        [_("Section"), _("Reference"), _("Clock"), _("Missed at"), _("Re-prioritised"), _("Link")]
    )
    for breach in evaluation.breaches:
        writer.writerow(
            [
                _("Breach"),
                breach.issue.reference,
                str(ClockKind(breach.kind).label),
                when_csv(breach.missed_at),
                "; ".join(f"{c.old} → {c.new}: {c.reason}" for c in breach.reprioritisations),
                issue_url(breach.issue),
            ]
        )
    return response


def _distribution_cells(distribution: Distribution) -> list:
    return [distribution.count, _minutes(distribution.median), _minutes(distribution.p90)]
