"""A breach is a fact: later changes of priority, agreement or calendar never take it back."""

from datetime import date, timedelta

import pytest

from sla.models import ClockKind, ClockState, Closure, SlaClock
from sla.policy import Verdict
from sla.selectors import sla_report
from sla.services import sla_calendar_changed, sla_clocks_sweep
from tests.sla.conftest import MONDAY_10, ams
from tickets import services as ticket_services
from tickets.choices import Priority, Status

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def clock(issue, kind=ClockKind.RESOLUTION) -> SlaClock:
    return SlaClock.objects.get(issue=issue, kind=kind)


def report_row(issue, *, now):
    local = issue.created_at.astimezone(MONDAY_10.tzinfo)
    report = sla_report(client=issue.client, year=local.year, month=local.month, now=now)
    return next(row for row in report.rows if row.issue.pk == issue.pk), report


def test_lowering_to_a_priority_without_resolution_target_keeps_a_breach_in_the_report(
    file_issue, lead
):
    # P3: resolution within 5 business days; P4 has none ("agreed per request").
    issue = file_issue(priority=Priority.P3)
    late = ams(2026, 3, 10, 10, 0)
    assert clock(issue).due_at < late

    ticket_services.issue_change_priority(
        issue=issue, actor=lead, priority=Priority.P4, reason="Wens", now=late
    )

    resolution = clock(issue)
    assert resolution.state == ClockState.BREACHED and resolution.stopped_at == late
    assert resolution.missed_at == ams(2026, 3, 9, 10, 0)
    row, report = report_row(issue, now=late + HOUR)
    assert row.resolution.verdict == Verdict.BREACHED
    assert row in report.breaches and row.reprioritised
    assert report.reprioritised == 1


def test_a_withdrawn_target_that_was_not_missed_leaves_no_clock(file_issue, lead):
    issue = file_issue(priority=Priority.P3)

    ticket_services.issue_change_priority(
        issue=issue, actor=lead, priority=Priority.P4, reason="Wens", now=MONDAY_10 + HOUR
    )

    assert not SlaClock.objects.filter(issue=issue, kind=ClockKind.RESOLUTION).exists()


def test_a_longer_target_does_not_judge_a_breached_clock_as_met(file_issue, lead, engineer):
    # P2 answers within 4 business hours; P3 within a business day.
    issue = file_issue(priority=Priority.P2)
    past_due = MONDAY_10 + 5 * HOUR
    ticket_services.issue_change_priority(
        issue=issue, actor=lead, priority=Priority.P3, reason="Minder ernstig", now=past_due
    )
    ticket_services.comment_create(
        issue=issue, author=engineer, body="We kijken ernaar.", now=past_due + HOUR
    )

    response = clock(issue, ClockKind.RESPONSE)
    assert response.stopped_at is not None
    assert response.state == ClockState.BREACHED
    assert response.missed_at == MONDAY_10 + 4 * HOUR
    row, _report = report_row(issue, now=past_due + 2 * HOUR)
    assert row.response.verdict == Verdict.BREACHED
    assert row.response.missed_at == MONDAY_10 + 4 * HOUR


def test_a_breach_noticed_by_the_sweep_keeps_its_time_through_a_priority_change(file_issue, lead):
    issue = file_issue(priority=Priority.P2)
    sla_clocks_sweep(now=MONDAY_10 + 5 * HOUR)
    assert clock(issue, ClockKind.RESPONSE).missed_at == MONDAY_10 + 4 * HOUR

    ticket_services.issue_change_priority(
        issue=issue, actor=lead, priority=Priority.P4, reason="Wens", now=MONDAY_10 + 6 * HOUR
    )

    response = clock(issue, ClockKind.RESPONSE)
    assert response.state == ClockState.BREACHED
    assert response.missed_at == MONDAY_10 + 4 * HOUR


def test_a_shorter_target_already_used_up_is_a_breach_from_the_change(file_issue, lead):
    # Four business hours used; P1 answers within one.
    issue = file_issue(priority=Priority.P3)
    change = MONDAY_10 + 4 * HOUR

    ticket_services.issue_change_priority(
        issue=issue, actor=lead, priority=Priority.P1, reason="Alles ligt plat", now=change
    )

    response = clock(issue, ClockKind.RESPONSE)
    assert response.state == ClockState.BREACHED and response.missed_at == change


def test_a_merged_duplicate_counts_neither_as_met_nor_as_breached(file_issue, lead, engineer):
    original = file_issue(priority=Priority.P3)
    duplicate = file_issue(priority=Priority.P3, now=MONDAY_10 + HOUR)

    ticket_services.issue_merge(
        target=original, sources=[duplicate], actor=lead, now=MONDAY_10 + 2 * HOUR
    )

    row, report = report_row(duplicate, now=MONDAY_10 + 3 * HOUR)
    assert row.merged
    assert report.merged == [row]
    assert report.total.issues == 1
    assert report.total.response.met == 0 and report.total.resolution.met == 0
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original and duplicate.status == Status.CLOSED


def test_a_breach_before_a_merge_stays_listed(file_issue, lead):
    original = file_issue(priority=Priority.P2)
    duplicate = file_issue(priority=Priority.P2, now=MONDAY_10 + HOUR)

    ticket_services.issue_merge(
        target=original, sources=[duplicate], actor=lead, now=MONDAY_10 + 7 * HOUR
    )

    row, report = report_row(duplicate, now=MONDAY_10 + 8 * HOUR)
    assert row.merged and row in report.breaches


def test_a_closure_added_after_filing_moves_the_deadline_for_the_time_ahead(file_issue, agreement):
    # P3 resolution: 5 business days (40 hours) from Monday 10:00 is due next Monday 10:00.
    issue = file_issue(priority=Priority.P3)
    before = clock(issue)
    assert before.due_at == ams(2026, 3, 9, 10, 0)
    Closure.objects.create(
        calendar=agreement.calendar,
        starts_on=date(2026, 3, 5),
        ends_on=date(2026, 3, 5),
        reason="Studiedag",
    )

    assert sla_calendar_changed(calendar_id=agreement.calendar_id, now=MONDAY_10 + HOUR) == 2

    after = clock(issue)
    assert after.due_at == ams(2026, 3, 10, 10, 0)
    assert after.used_seconds == 3600
    assert date(2026, 3, 5).isoformat() in after.snapshot["calendar"]["closed_dates"]


def test_a_closure_never_rewrites_time_already_counted(file_issue, agreement):
    issue = file_issue(priority=Priority.P3)
    Closure.objects.create(
        calendar=agreement.calendar,
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 2),
        reason="x",
    )

    sla_calendar_changed(calendar_id=agreement.calendar_id, now=MONDAY_10 + 2 * HOUR)

    after = clock(issue)
    assert after.used_seconds == 2 * 3600
    # The rest of Monday is closed now: the remaining 38 hours run from Tuesday on.
    assert after.due_at == ams(2026, 3, 9, 15, 0)


def test_a_closure_leaves_stopped_clocks_alone(file_issue, lead, agreement):
    issue = file_issue(priority=Priority.P3)
    ticket_services.issue_change_status(
        issue=issue, actor=lead, status=Status.RESOLVED, now=MONDAY_10 + HOUR
    )
    stopped = clock(issue)
    Closure.objects.create(
        calendar=agreement.calendar,
        starts_on=date(2026, 3, 5),
        ends_on=date(2026, 3, 5),
        reason="x",
    )

    assert sla_calendar_changed(calendar_id=agreement.calendar_id, now=MONDAY_10 + HOUR) == 0
    assert clock(issue).due_at == stopped.due_at


def test_a_priority_changed_while_the_issue_was_closed_applies_when_it_is_reopened(
    file_issue, lead
):
    issue = file_issue(priority=Priority.P3)
    ticket_services.issue_change_status(
        issue=issue, actor=lead, status=Status.CLOSED, now=MONDAY_10 + HOUR
    )
    ticket_services.issue_change_priority(
        issue=issue, actor=lead, priority=Priority.P4, reason="Wens", now=MONDAY_10 + 2 * HOUR
    )

    ticket_services.issue_change_status(
        issue=issue, actor=lead, status=Status.IN_PROGRESS, now=MONDAY_10 + 3 * HOUR
    )

    # P4 has no resolution target: the reopened issue has no resolution clock running.
    assert not SlaClock.objects.filter(
        issue=issue, kind=ClockKind.RESOLUTION, stopped_at__isnull=True
    ).exists()
