"""The sweep: at-risk and breach notices, each recorded and emailed once per clock."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.db.models import F

from audit.models import AuditAction, AuditChannel, AuditEntry
from paqt_support.celery import app
from sla.models import ClockKind, ClockState, SlaClock
from sla.selectors import sla_clocks_due
from sla.services import sla_clock_mark, sla_clocks_sweep
from sla.tasks import sla_sweep_task
from tests.sla.conftest import MONDAY_10, ams
from tickets import services as ticket_services
from tickets.choices import Priority, Status
from tickets.models import EventKind, Issue, IssueEvent

pytestmark = pytest.mark.django_db

# A P3 issue filed at MONDAY_10: its first response is at risk from 16:00 and due on
# Tuesday at 10:00.
RESPONSE_AT_RISK = ams(2026, 3, 2, 16, 0)
RESPONSE_DUE = ams(2026, 3, 3, 10, 0)


@pytest.fixture
def issue(file_issue, lead, engineer):
    issue = file_issue(priority=Priority.P3)
    return ticket_services.issue_assign(
        issue=issue, actor=lead, assignee=engineer, now=MONDAY_10 + timedelta(minutes=1)
    )


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Return a function that runs the sweep at ``now`` and then its on-commit callbacks."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return sla_clocks_sweep(now=now)

    return run


def sla_events(kind=None):
    events = IssueEvent.objects.filter(kind__in=[EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED])
    return events.filter(kind=kind) if kind else events


def response_clock(issue) -> SlaClock:
    return SlaClock.objects.get(issue=issue, kind=ClockKind.RESPONSE)


def test_nothing_is_sent_before_the_at_risk_point(issue, sweep, mailoutbox):
    assert sweep(RESPONSE_AT_RISK - timedelta(seconds=1)) == 0
    assert not sla_events().exists()
    assert mailoutbox == []


def test_at_risk_notice_goes_to_assignee_and_team_lead_once(issue, sweep, mailoutbox):
    assert sweep(RESPONSE_AT_RISK) == 1
    assert sweep(RESPONSE_AT_RISK + timedelta(minutes=1)) == 0

    event = sla_events().get()
    assert event.kind == EventKind.SLA_AT_RISK
    assert event.is_internal
    assert event.channel == "system"
    assert event.data["clock"] == ClockKind.RESPONSE
    assert sorted(m.to[0] for m in mailoutbox) == ["engineer@example.org", "lead@example.org"]
    clock = response_clock(issue)
    assert clock.warned_at == RESPONSE_AT_RISK
    assert clock.next_check_at == RESPONSE_DUE


def test_each_notice_delivered_is_in_the_access_log_as_sent_to_its_recipient(
    issue, sweep, mailoutbox
):
    sweep(RESPONSE_AT_RISK)
    sent = AuditEntry.objects.filter(action=AuditAction.SEND, object_id=str(issue.pk))
    assert sorted(entry.user.email for entry in sent) == [
        "engineer@example.org",
        "lead@example.org",
    ]
    assert {entry.channel for entry in sent} == {AuditChannel.EMAIL}


def test_breach_notice_follows_the_at_risk_notice_once(issue, sweep, mailoutbox):
    sweep(RESPONSE_AT_RISK)

    assert sweep(RESPONSE_DUE + timedelta(seconds=1)) == 1
    assert sweep(RESPONSE_DUE + timedelta(minutes=5)) == 0

    assert sla_events(EventKind.SLA_BREACHED).count() == 1
    assert len(mailoutbox) == 4
    clock = response_clock(issue)
    assert clock.state == ClockState.BREACHED
    assert clock.breached_at == RESPONSE_DUE + timedelta(seconds=1)
    assert clock.next_check_at is None


def test_a_clock_found_past_due_gets_only_the_breach_notice(issue, sweep, mailoutbox):
    sweep(RESPONSE_DUE + timedelta(seconds=1))

    assert list(sla_events().values_list("kind", flat=True)) == [EventKind.SLA_BREACHED]
    assert response_clock(issue).warned_at is not None
    assert len(mailoutbox) == 2


def test_marking_the_same_clock_twice_sends_one_notice(
    issue, django_capture_on_commit_callbacks, mailoutbox
):
    clock = response_clock(issue)

    with django_capture_on_commit_callbacks(execute=True):
        first = sla_clock_mark(clock_id=clock.pk, now=RESPONSE_AT_RISK)
        second = sla_clock_mark(clock_id=clock.pk, now=RESPONSE_AT_RISK)

    assert (first, second) == (EventKind.SLA_AT_RISK, None)
    assert sla_events().count() == 1
    assert len(mailoutbox) == 2


def test_the_notice_email_is_in_the_recipients_language_and_links_the_issue(
    issue, sweep, mailoutbox
):
    sweep(RESPONSE_AT_RISK)

    by_recipient = {m.to[0]: m for m in mailoutbox}
    dutch, english = by_recipient["engineer@example.org"], by_recipient["lead@example.org"]
    assert issue.reference in english.subject
    assert "SLA at risk" in english.subject
    assert f"/admin/tickets/issue/{issue.pk}/change/" in english.body
    assert 'lang="en"' in english.alternatives[0][0]
    assert 'lang="nl"' in dutch.alternatives[0][0]


def test_without_assignee_only_the_team_lead_hears(file_issue, sweep, mailoutbox):
    file_issue(priority=Priority.P3)

    sweep(RESPONSE_AT_RISK)

    assert [m.to for m in mailoutbox] == [["lead@example.org"]]


def test_a_clock_stopped_in_time_is_never_swept(issue, engineer, sweep, mailoutbox):
    ticket_services.comment_create(
        issue=issue, author=engineer, body="Opgepakt.", now=RESPONSE_AT_RISK - timedelta(hours=1)
    )

    sweep(RESPONSE_DUE + timedelta(hours=1))

    assert not sla_events().filter(data__clock=ClockKind.RESPONSE).exists()


def test_a_clock_paused_past_due_before_a_sweep_still_gets_its_breach_notice(
    file_issue, engineer, sweep
):
    issue = file_issue(priority=Priority.P1)
    ticket_services.comment_create(
        issue=issue, author=engineer, body="Opgepakt.", now=MONDAY_10 + timedelta(minutes=30)
    )
    ticket_services.issue_change_status(
        issue=issue, actor=engineer, status=Status.WAITING_ON_CLIENT, now=ams(2026, 3, 2, 14, 30)
    )

    sweep(ams(2026, 3, 2, 14, 31))

    event = sla_events().get()
    assert (event.kind, event.data["clock"]) == (EventKind.SLA_BREACHED, ClockKind.RESOLUTION)


def test_a_priority_change_that_moves_the_at_risk_point_away_warns_again(issue, engineer, sweep):
    sweep(RESPONSE_AT_RISK)
    ticket_services.issue_change_priority(
        issue=issue,
        actor=engineer,
        priority=Priority.P4,
        reason="Geen haast",
        now=RESPONSE_AT_RISK + timedelta(minutes=30),
    )
    clock = response_clock(issue)
    assert clock.warned_at is None

    sweep(clock.warn_at)

    assert sla_events(EventKind.SLA_AT_RISK).count() == 2


def test_the_due_set_is_read_with_one_query(issue, django_assert_num_queries):
    with django_assert_num_queries(1):
        due = list(sla_clocks_due(now=RESPONSE_AT_RISK))

    assert due == [(RESPONSE_AT_RISK, response_clock(issue).pk)]


def test_a_sweep_with_nothing_due_is_one_query(issue, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert sla_clocks_sweep(now=MONDAY_10) == 0


def test_the_due_set_is_read_through_the_next_check_index(issue):
    query = sla_clocks_due(now=RESPONSE_AT_RISK)
    if connection.vendor == "postgresql":
        # On a handful of rows the planner rightly prefers a table scan; forbid it to
        # see that the index can serve the query.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = query.explain()

    assert "sla_slaclock_next_check" in plan


def test_the_sweep_reads_the_due_set_in_batches(file_issue, sweep):
    for _ in range(5):
        file_issue(priority=Priority.P3)

    assert sla_clocks_sweep(now=RESPONSE_AT_RISK, batch_size=2) == 5
    assert sla_events().count() == 5


def test_the_sweep_stops_after_its_batch_limit_and_the_next_run_goes_on(file_issue):
    for _ in range(5):
        file_issue(priority=Priority.P3)

    assert sla_clocks_sweep(now=RESPONSE_AT_RISK, batch_size=2, max_batches=1) == 2
    assert sla_clocks_sweep(now=RESPONSE_AT_RISK, batch_size=2) == 3


def test_the_sweep_task_runs_under_its_stable_name_on_beat(issue, mailoutbox):
    assert app.conf.beat_schedule["sla.sweep"]["task"] == "sla.sweep"
    assert sla_sweep_task.name == "sla.sweep"
    assert "sla.sweep" in app.tasks

    with time_machine.travel(RESPONSE_AT_RISK, tick=False):
        assert sla_sweep_task.delay().get() == 1

    assert sla_events().count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_send_each_notice_once(file_issue, lead, mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database that lets two connections write side by side")
    issues = [file_issue(priority=Priority.P3) for _ in range(20)]
    mailoutbox.clear()  # the new-issue emails
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait()
            sla_clocks_sweep(now=RESPONSE_DUE + timedelta(seconds=1))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sla_events().count() == len(issues)
    assert len(mailoutbox) == len(issues)


@pytest.mark.django_db(transaction=True)
def test_the_sweep_passes_over_an_issue_that_a_change_holds_and_never_deadlocks_with_it(
    file_issue, lead
):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database that lets two connections write side by side")
    issue = file_issue(priority=Priority.P3)
    held, swept = threading.Event(), threading.Event()
    errors = []

    def change():
        # As the issue services do: the issue first, then its clocks.
        try:
            with transaction.atomic():
                Issue.objects.select_for_update().get(pk=issue.pk)
                held.set()
                swept.wait(timeout=10)
                SlaClock.objects.filter(issue=issue).update(next_check_at=F("next_check_at"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=change)
    thread.start()
    held.wait(timeout=10)
    try:
        passed_over = sla_clocks_sweep(now=RESPONSE_DUE + timedelta(seconds=1))
    finally:
        swept.set()
        thread.join()

    assert errors == []
    assert passed_over == 0
    assert sla_clocks_sweep(now=RESPONSE_DUE + timedelta(seconds=1)) == 1
