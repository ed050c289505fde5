"""SLA clocks driven through the ticket services: start, first response, pause, reopen, priority."""

from datetime import timedelta

import pytest

from sla.models import ClockKind, ClockState, PriorityTarget, SlaClock
from sla.policy import Health
from sla.selectors import sla_clocks_falling_due, sla_health_for_issue
from tests.factories import ClientFactory, ContactFactory, IssueFactory, agreement_with_targets
from tests.sla.conftest import MONDAY_10, ams
from tickets import services as ticket_services
from tickets.choices import Priority, Status
from tickets.models import EventKind

pytestmark = pytest.mark.django_db


def clocks_of(issue) -> dict[str, SlaClock]:
    return {clock.kind: clock for clock in SlaClock.objects.filter(issue=issue)}


def set_status(issue, actor, status, now):
    return ticket_services.issue_change_status(issue=issue, actor=actor, status=status, now=now)


def reply(issue, author, now, *, is_internal=False):
    return ticket_services.comment_create(
        issue=issue, author=author, body="Wij kijken ernaar.", is_internal=is_internal, now=now
    )


def test_filing_starts_both_clocks_with_due_times_in_business_hours(file_issue):
    issue = file_issue(priority=Priority.P3)

    clocks = clocks_of(issue)
    response, resolution = clocks[ClockKind.RESPONSE], clocks[ClockKind.RESOLUTION]
    # 8 business hours from Monday 10:00 in 09:00-17:00 is Tuesday 10:00.
    assert response.due_at == ams(2026, 3, 2 + 1, 10, 0)
    assert response.warn_at == ams(2026, 3, 2, 16, 0)
    # 40 business hours: Monday 7, Tuesday to Friday 32, Monday 9 March 1.
    assert resolution.due_at == ams(2026, 3, 9, 10, 0)
    assert resolution.warn_at == ams(2026, 3, 5, 16, 0)
    assert {clock.state for clock in clocks.values()} == {ClockState.RUNNING}
    assert response.next_check_at == response.warn_at
    assert response.snapshot["priority"] == "P3"
    assert response.snapshot["first_response_minutes"] == 8 * 60
    assert response.snapshot["calendar"]["timezone"] == "Europe/Amsterdam"
    assert "2026-04-06" in response.snapshot["calendar"]["closed_dates"]  # Easter Monday


def test_filing_records_that_the_clocks_started(file_issue):
    issue = file_issue(priority=Priority.P2)

    event = issue.events.get(kind=EventKind.SLA_STARTED)
    assert event.is_internal
    assert event.data["priority"] == "P2"
    assert event.data["response_due_at"] == ams(2026, 3, 2, 14, 0).isoformat()


def test_p4_gets_no_resolution_clock(file_issue):
    issue = file_issue(priority=Priority.P4)

    assert set(clocks_of(issue)) == {ClockKind.RESPONSE}


def test_issue_without_agreement_gets_no_clocks():
    issue = IssueFactory(agreement=None)

    from sla.services import sla_clocks_start

    assert sla_clocks_start(issue=issue, now=MONDAY_10) == []
    assert not SlaClock.objects.exists()


def test_round_the_clock_target_counts_through_the_night_and_weekend(agreement, file_issue):
    PriorityTarget.objects.filter(agreement=agreement, priority=Priority.P1).update(
        first_response_minutes=30, is_round_the_clock=True
    )
    saturday_night = ams(2026, 3, 7, 3, 0)

    issue = file_issue(priority=Priority.P1, now=saturday_night)

    clocks = clocks_of(issue)
    assert clocks[ClockKind.RESPONSE].due_at == ams(2026, 3, 7, 3, 30)
    assert clocks[ClockKind.RESOLUTION].due_at == ams(2026, 3, 7, 7, 0)
    assert clocks[ClockKind.RESPONSE].snapshot["calendar"]["closed_dates"] == []


def test_business_hours_target_filed_at_night_counts_from_the_next_opening(file_issue):
    issue = file_issue(priority=Priority.P1, now=ams(2026, 3, 7, 3, 0))

    assert clocks_of(issue)[ClockKind.RESPONSE].due_at == ams(2026, 3, 9, 10, 0)


def test_first_public_staff_reply_stops_the_response_clock_in_time(file_issue, engineer):
    issue = file_issue()

    reply(issue, engineer, MONDAY_10 + timedelta(hours=1))

    response = clocks_of(issue)[ClockKind.RESPONSE]
    assert response.state == ClockState.MET
    assert response.stopped_at == MONDAY_10 + timedelta(hours=1)
    assert response.used_seconds == 3600
    assert response.next_check_at is None
    assert clocks_of(issue)[ClockKind.RESOLUTION].state == ClockState.RUNNING


def test_only_the_first_reply_stops_the_response_clock(file_issue, engineer):
    issue = file_issue()
    reply(issue, engineer, MONDAY_10 + timedelta(hours=1))

    reply(issue, engineer, MONDAY_10 + timedelta(days=2))

    response = clocks_of(issue)[ClockKind.RESPONSE]
    assert response.stopped_at == MONDAY_10 + timedelta(hours=1)
    assert response.state == ClockState.MET


def test_late_first_reply_is_a_breach(file_issue, engineer):
    issue = file_issue()

    reply(issue, engineer, ams(2026, 3, 3, 10, 30))

    assert clocks_of(issue)[ClockKind.RESPONSE].state == ClockState.BREACHED


def test_reply_after_hours_past_the_due_time_is_a_breach(file_issue, engineer):
    issue = file_issue(priority=Priority.P1, now=ams(2026, 3, 2, 16, 0))

    reply(issue, engineer, ams(2026, 3, 2, 17, 30))

    response = clocks_of(issue)[ClockKind.RESPONSE]
    assert response.state == ClockState.BREACHED
    assert response.used_seconds == response.target_seconds


@pytest.mark.parametrize("is_internal", [True, False])
def test_notes_and_client_replies_do_not_stop_the_response_clock(
    file_issue, engineer, contact, is_internal
):
    issue = file_issue()

    if is_internal:
        reply(issue, engineer, MONDAY_10 + timedelta(hours=1), is_internal=True)
    else:
        reply(issue, contact, MONDAY_10 + timedelta(hours=1))

    assert clocks_of(issue)[ClockKind.RESPONSE].state == ClockState.RUNNING


def test_resolution_clock_pauses_while_waiting_on_client(file_issue, engineer):
    issue = file_issue()

    set_status(issue, engineer, Status.WAITING_ON_CLIENT, ams(2026, 3, 2, 12, 0))

    resolution = clocks_of(issue)[ClockKind.RESOLUTION]
    assert resolution.state == ClockState.PAUSED
    assert resolution.used_seconds == 2 * 3600
    assert resolution.due_at is None
    assert resolution.next_check_at is None
    assert resolution.health(ams(2026, 3, 20, 12, 0)).status == Health.PAUSED
    assert clocks_of(issue)[ClockKind.RESPONSE].state == ClockState.RUNNING


def test_client_reply_resumes_the_resolution_clock_with_the_time_used(
    file_issue, engineer, contact
):
    issue = file_issue()
    set_status(issue, engineer, Status.WAITING_ON_CLIENT, ams(2026, 3, 2, 12, 0))

    reply(issue, contact, ams(2026, 3, 4, 10, 0))

    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS
    resolution = clocks_of(issue)[ClockKind.RESOLUTION]
    assert resolution.state == ClockState.RUNNING
    # 38 business hours left from Wednesday 10:00.
    assert resolution.due_at == ams(2026, 3, 10, 16, 0)
    assert resolution.resumed_at == ams(2026, 3, 4, 10, 0)


def test_resolving_stops_the_resolution_clock_in_time(file_issue, engineer):
    issue = file_issue()
    reply(issue, engineer, MONDAY_10 + timedelta(hours=1))

    set_status(issue, engineer, Status.RESOLVED, ams(2026, 3, 4, 10, 0))

    resolution = clocks_of(issue)[ClockKind.RESOLUTION]
    assert resolution.state == ClockState.MET
    assert resolution.stopped_at == ams(2026, 3, 4, 10, 0)
    assert resolution.used_seconds == 16 * 3600


def test_resolving_late_is_a_resolution_breach(file_issue, engineer):
    issue = file_issue(priority=Priority.P1)

    set_status(issue, engineer, Status.RESOLVED, ams(2026, 3, 3, 10, 0))

    assert {c.state for c in clocks_of(issue).values()} == {ClockState.BREACHED}


def test_resolving_without_a_reply_stops_the_response_clock_too(file_issue, engineer):
    issue = file_issue()

    set_status(issue, engineer, Status.RESOLVED, MONDAY_10 + timedelta(hours=3))

    response = clocks_of(issue)[ClockKind.RESPONSE]
    assert response.state == ClockState.MET
    assert response.stopped_at == MONDAY_10 + timedelta(hours=3)


def test_closing_while_waiting_on_client_stops_the_paused_clock(file_issue, engineer):
    issue = file_issue()
    set_status(issue, engineer, Status.WAITING_ON_CLIENT, ams(2026, 3, 2, 12, 0))

    set_status(issue, engineer, Status.CLOSED, ams(2026, 3, 30, 12, 0))

    resolution = clocks_of(issue)[ClockKind.RESOLUTION]
    assert resolution.state == ClockState.MET
    assert resolution.used_seconds == 2 * 3600


def test_reopening_resumes_the_resolution_clock_with_the_time_used(file_issue, engineer, contact):
    issue = file_issue()
    reply(issue, engineer, MONDAY_10 + timedelta(hours=1))
    set_status(issue, engineer, Status.RESOLVED, ams(2026, 3, 2, 13, 0))

    set_status(issue, contact, Status.IN_PROGRESS, ams(2026, 3, 3, 9, 0))

    clocks = clocks_of(issue)
    resolution = clocks[ClockKind.RESOLUTION]
    assert resolution.state == ClockState.RUNNING
    assert resolution.stopped_at is None
    assert resolution.used_seconds == 3 * 3600
    # 37 business hours left from Tuesday 09:00.
    assert resolution.due_at == ams(2026, 3, 9, 14, 0)
    assert clocks[ClockKind.RESPONSE].state == ClockState.MET


def test_reopening_a_breached_issue_keeps_the_breach(file_issue, engineer):
    issue = file_issue(priority=Priority.P1)
    set_status(issue, engineer, Status.RESOLVED, ams(2026, 3, 3, 10, 0))

    set_status(issue, engineer, Status.IN_PROGRESS, ams(2026, 3, 3, 11, 0))

    resolution = clocks_of(issue)[ClockKind.RESOLUTION]
    assert resolution.state == ClockState.BREACHED
    assert resolution.stopped_at is None
    assert resolution.health(ams(2026, 3, 3, 11, 0)).status == Health.BREACHED


def test_priority_change_recomputes_due_times_from_the_time_used(file_issue, engineer):
    issue = file_issue(priority=Priority.P3)

    ticket_services.issue_change_priority(
        issue=issue,
        actor=engineer,
        priority=Priority.P2,
        reason="Meer gebruikers getroffen",
        now=ams(2026, 3, 2, 12, 0),
    )

    clocks = clocks_of(issue)
    response, resolution = clocks[ClockKind.RESPONSE], clocks[ClockKind.RESOLUTION]
    assert response.target_seconds == 4 * 3600
    assert response.used_seconds == 2 * 3600
    assert response.due_at == ams(2026, 3, 2, 14, 0)
    assert response.snapshot["priority"] == "P2"
    # 14 business hours left from Monday 12:00: 5 on Monday, 8 on Tuesday, 1 on Wednesday.
    assert resolution.due_at == ams(2026, 3, 4, 10, 0)


def test_priority_change_to_a_target_already_used_up_breaches_at_once(file_issue, engineer):
    issue = file_issue(priority=Priority.P3)

    ticket_services.issue_change_priority(
        issue=issue,
        actor=engineer,
        priority=Priority.P1,
        reason="Productie ligt eruit",
        now=ams(2026, 3, 2, 16, 0),
    )

    response = clocks_of(issue)[ClockKind.RESPONSE]
    assert response.state == ClockState.BREACHED
    assert response.due_at == ams(2026, 3, 2, 16, 0)
    assert response.next_check_at == response.due_at


def test_priority_change_keeps_a_paused_clock_paused(file_issue, engineer):
    issue = file_issue(priority=Priority.P3)
    set_status(issue, engineer, Status.WAITING_ON_CLIENT, ams(2026, 3, 2, 12, 0))

    ticket_services.issue_change_priority(
        issue=issue, actor=engineer, priority=Priority.P2, reason="x", now=ams(2026, 3, 3, 12, 0)
    )

    resolution = clocks_of(issue)[ClockKind.RESOLUTION]
    assert resolution.state == ClockState.PAUSED
    assert resolution.target_seconds == 16 * 3600
    assert resolution.used_seconds == 2 * 3600


def test_priority_change_to_p4_removes_the_resolution_clock(file_issue, engineer):
    issue = file_issue(priority=Priority.P3)

    ticket_services.issue_change_priority(
        issue=issue, actor=engineer, priority=Priority.P4, reason="x", now=ams(2026, 3, 2, 12, 0)
    )

    assert set(clocks_of(issue)) == {ClockKind.RESPONSE}
    assert clocks_of(issue)[ClockKind.RESPONSE].target_seconds == 16 * 3600


def test_priority_change_from_p4_starts_a_resolution_clock_as_if_since_filing(
    file_issue, engineer, contact
):
    issue = file_issue(priority=Priority.P4)
    set_status(issue, engineer, Status.WAITING_ON_CLIENT, ams(2026, 3, 2, 12, 0))
    reply(issue, contact, ams(2026, 3, 3, 12, 0))

    ticket_services.issue_change_priority(
        issue=issue, actor=engineer, priority=Priority.P3, reason="x", now=ams(2026, 3, 3, 14, 0)
    )

    resolution = clocks_of(issue)[ClockKind.RESOLUTION]
    assert resolution.started_at == MONDAY_10
    # Monday 10-12 and Tuesday 12-14 counted; the wait on the client did not.
    assert resolution.health(ams(2026, 3, 3, 14, 0)).used == timedelta(hours=4)
    assert resolution.state == ClockState.RUNNING


def test_priority_change_leaves_stopped_clocks_alone(file_issue, engineer):
    issue = file_issue(priority=Priority.P3)
    reply(issue, engineer, MONDAY_10 + timedelta(hours=1))

    ticket_services.issue_change_priority(
        issue=issue, actor=engineer, priority=Priority.P1, reason="x", now=ams(2026, 3, 2, 12, 0)
    )

    response = clocks_of(issue)[ClockKind.RESPONSE]
    assert response.state == ClockState.MET
    assert response.snapshot["priority"] == "P3"


def test_clock_keeps_its_snapshot_when_the_agreement_changes(agreement, file_issue):
    issue = file_issue(priority=Priority.P3)

    PriorityTarget.objects.filter(agreement=agreement).update(first_response_minutes=1)

    response = clocks_of(issue)[ClockKind.RESPONSE]
    assert response.health(ams(2026, 3, 2, 11, 0)).status == Health.ON_TRACK
    assert response.target_seconds == 8 * 3600


@pytest.mark.parametrize(
    ("at", "status", "remaining"),
    [
        (ams(2026, 3, 2, 12, 0), Health.ON_TRACK, timedelta(hours=6)),
        (ams(2026, 3, 2, 16, 0), Health.AT_RISK, timedelta(hours=2)),
        (ams(2026, 3, 2, 22, 0), Health.AT_RISK, timedelta(hours=1)),
        (ams(2026, 3, 3, 10, 0), Health.AT_RISK, timedelta(0)),
        (ams(2026, 3, 3, 11, 0), Health.BREACHED, timedelta(hours=-1)),
    ],
)
def test_health_of_a_running_clock(file_issue, at, status, remaining):
    issue = file_issue(priority=Priority.P3)

    health = sla_health_for_issue(issue=issue, now=at)[ClockKind.RESPONSE]

    assert health.status == status
    assert health.remaining == remaining
    assert health.used + health.remaining == health.target


def test_health_of_many_issues_needs_no_query_per_issue(file_issue, django_assert_num_queries):
    from tickets.models import Issue

    for _ in range(5):
        file_issue()
    issues = Issue.objects.prefetch_related("sla_clocks")

    with django_assert_num_queries(2):
        healths = [sla_health_for_issue(issue=i, now=MONDAY_10) for i in issues]

    assert len(healths) == 5


def test_clocks_falling_due_lists_counting_clocks_due_soon_first(file_issue, engineer):
    soon = file_issue(priority=Priority.P1)
    later = file_issue(priority=Priority.P3)
    done = file_issue(priority=Priority.P1)
    reply(done, engineer, MONDAY_10 + timedelta(minutes=5))

    due = list(sla_clocks_falling_due(now=MONDAY_10, within=timedelta(hours=2)))

    assert [(c.issue, c.kind) for c in due] == [(soon, ClockKind.RESPONSE)]
    assert later not in [c.issue for c in due]


def test_clocks_falling_due_can_be_scoped_to_clients(file_issue):
    file_issue(priority=Priority.P1)
    other = ClientFactory()
    agreement_with_targets(other)
    ticket_services.issue_create(
        client=other,
        requester=ContactFactory(client=other),
        title="Storing",
        description="Alles ligt plat.",
        priority=Priority.P1,
        now=MONDAY_10,
    )

    due = sla_clocks_falling_due(
        now=MONDAY_10, within=timedelta(hours=2), clients=type(other).objects.filter(pk=other.pk)
    )

    assert {c.issue.client for c in due} == {other}
