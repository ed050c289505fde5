"""Escalation services against the database: trigger, steps, claims, retries and the chain."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from oncall.channels import EmailChannel
from oncall.models import (
    Escalation,
    EscalationState,
    EscalationStep,
    OncallSettings,
    Page,
    RotaLayer,
    RotaOverride,
    StepTarget,
)
from oncall.services import (
    Outcome,
    claim_timeout,
    escalation_reconcile,
    escalation_start,
    escalation_step_run,
)
from oncall.services.steps import _claim
from tests.factories import IssueFactory, StaffFactory
from tests.oncall.conftest import KINGS_DAY_10, MONDAY_10, SUNDAY_3AM, ams
from tickets import services as ticket_services
from tickets.choices import Priority, Status
from tickets.models import Channel, EventKind, IssueEvent

MINUTE = timedelta(minutes=1)


def step(escalation: Escalation, now) -> Outcome:
    return escalation_step_run(escalation_id=escalation.pk, now=now)


def recipients() -> list[str]:
    return [message.to[0] for message in mail.outbox]


ESCALATION_KINDS = [
    EventKind.ESCALATION_STARTED,
    EventKind.PAGE_SENT,
    EventKind.PAGE_FAILED,
    EventKind.ESCALATION_ACKNOWLEDGED,
    EventKind.ESCALATION_EXHAUSTED,
    EventKind.ESCALATION_CANCELLED,
]


def kinds(issue) -> list[str]:
    events = IssueEvent.objects.filter(issue=issue, kind__in=ESCALATION_KINDS)
    return list(events.order_by("created_at", "id").values_list("kind", flat=True))


# -- the trigger ------------------------------------------------------------------------


def test_an_urgent_issue_filed_at_night_starts_an_escalation_with_a_frozen_policy(file_issue):
    issue = file_issue(now=SUNDAY_3AM)
    escalation = Escalation.objects.get(issue=issue)
    assert escalation.state == EscalationState.ACTIVE
    assert escalation.due_at == SUNDAY_3AM and escalation.step_index == 0
    steps = escalation.snapshot["steps"]
    assert [(s["round"], s["label"], s["target"]) for s in steps] == [
        (1, "On call: Primair", "layer"),
        (1, "On call: Secundair", "layer"),
        (1, "The duty manager", "duty_manager"),
        (2, "On call: Primair", "layer"),
        (2, "On call: Secundair", "layer"),
        (2, "The duty manager", "duty_manager"),
    ]
    policy = {"id": escalation.policy_id, "name": "Standaard", "repeat": 1}
    assert escalation.snapshot["policy"] == policy
    started = IssueEvent.objects.get(issue=issue, kind=EventKind.ESCALATION_STARTED)
    assert started.is_internal
    assert started.data["steps"][0] == {"step": 1, "label": "On call: Primair", "wait_minutes": 10}


def test_an_urgent_issue_filed_in_office_hours_pages_nobody(file_issue):
    issue = file_issue(now=MONDAY_10)
    assert not Escalation.objects.filter(issue=issue).exists()


def test_the_office_is_closed_on_kings_day(file_issue):
    issue = file_issue(now=KINGS_DAY_10)
    assert Escalation.objects.filter(issue=issue).exists()


def test_the_office_closes_at_half_past_five(file_issue):
    assert not Escalation.objects.filter(issue=file_issue(now=ams(2026, 3, 2, 17, 29))).exists()
    assert Escalation.objects.filter(issue=file_issue(now=ams(2026, 3, 2, 17, 30))).exists()


def test_without_an_office_calendar_the_default_office_hours_apply(file_issue, oncall):
    OncallSettings.objects.update(office_calendar=None)
    assert not Escalation.objects.filter(issue=file_issue(now=MONDAY_10)).exists()
    assert Escalation.objects.filter(issue=file_issue(now=KINGS_DAY_10)).exists()


def test_the_drill_switch_treats_the_office_as_closed(file_issue, oncall):
    OncallSettings.objects.update(office_closed=True)
    assert Escalation.objects.filter(issue=file_issue(now=MONDAY_10)).exists()


def test_a_priority_the_agreement_does_not_cover_round_the_clock_pages_nobody(file_issue):
    issue = file_issue(now=SUNDAY_3AM, priority=Priority.P2)
    assert not Escalation.objects.filter(issue=issue).exists()


def test_raising_the_priority_to_a_round_the_clock_one_at_night_starts_paging(file_issue, team):
    issue = file_issue(now=SUNDAY_3AM, priority=Priority.P2)
    ticket_services.issue_change_priority(
        issue=issue,
        actor=team.lead,
        priority=Priority.P1,
        reason="Alle burgers geraakt",
        now=SUNDAY_3AM + 5 * MINUTE,
    )
    escalation = Escalation.objects.get(issue=issue)
    assert escalation.started_at == SUNDAY_3AM + 5 * MINUTE


def test_raising_the_priority_in_office_hours_pages_nobody(file_issue, team):
    issue = file_issue(now=MONDAY_10, priority=Priority.P2)
    ticket_services.issue_change_priority(
        issue=issue, actor=team.lead, priority=Priority.P1, reason="Ernstig", now=MONDAY_10
    )
    assert not Escalation.objects.filter(issue=issue).exists()


def test_lowering_the_priority_ends_the_paging_and_raising_it_again_starts_anew(file_issue, team):
    issue = file_issue(now=SUNDAY_3AM)
    first = Escalation.objects.get(issue=issue)
    ticket_services.issue_change_priority(
        issue=issue, actor=team.lead, priority=Priority.P2, reason="x", now=SUNDAY_3AM + MINUTE
    )
    first.refresh_from_db()
    assert (first.state, first.end_reason) == (EscalationState.CANCELLED, "not_covered")
    assert step(first, SUNDAY_3AM + 10 * MINUTE) == Outcome.ENDED
    ticket_services.issue_change_priority(
        issue=issue, actor=team.lead, priority=Priority.P1, reason="y", now=SUNDAY_3AM + 2 * MINUTE
    )
    assert Escalation.objects.filter(issue=issue, state=EscalationState.ACTIVE).count() == 1


def test_an_issue_of_a_client_without_any_agreement_is_not_paged(oncall):
    issue = IssueFactory(priority=Priority.P1, created_at=SUNDAY_3AM)
    assert escalation_reconcile(issue=issue, now=SUNDAY_3AM) is None
    assert not Escalation.objects.exists()


def test_without_a_policy_nobody_can_be_paged_and_the_administrators_hear_of_it(
    file_issue, oncall, admins, django_capture_on_commit_callbacks
):
    OncallSettings.objects.update(policy=None)
    with django_capture_on_commit_callbacks(execute=True):
        issue = file_issue(now=SUNDAY_3AM)
    escalation = Escalation.objects.get(issue=issue)
    assert escalation.state == EscalationState.EXHAUSTED and escalation.end_reason == "no_policy"
    event = IssueEvent.objects.get(issue=issue, kind=EventKind.ESCALATION_EXHAUSTED)
    assert event.data == {"escalation": escalation.pk, "reason": "no_policy"}
    assert any(m.to == ["beheer@example.org"] and issue.reference in m.subject for m in mail.outbox)


def test_filing_queues_the_first_step_on_commit_and_survives_a_broker_that_is_down(
    file_issue, django_capture_on_commit_callbacks
):
    from oncall.tasks import escalation_step_task

    with (
        mock.patch.object(
            escalation_step_task, "apply_async", side_effect=ConnectionError("Redis is down")
        ) as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        issue = file_issue(now=SUNDAY_3AM)
    escalation = Escalation.objects.get(issue=issue)
    queued.assert_called_once()
    assert queued.call_args.args[0] == (escalation.pk, str(escalation.token))
    assert queued.call_args.kwargs["countdown"] == 0
    # The page is still due in the database, where the sweep finds it.
    assert escalation.state == EscalationState.ACTIVE and escalation.due_at == SUNDAY_3AM


# -- a step -----------------------------------------------------------------------------


def test_the_first_step_emails_the_primary_with_the_issue_and_an_acknowledge_link(file_issue):
    issue = file_issue(now=SUNDAY_3AM)
    escalation = Escalation.objects.get(issue=issue)
    assert step(escalation, SUNDAY_3AM) == Outcome.SENT
    [message] = mail.outbox
    assert message.to == ["eva@example.org"]
    assert issue.reference in message.subject and "P1" in message.subject
    assert issue.client.name in message.body
    assert issue.agreement.name in message.body
    assert f"/admin/tickets/issue/{issue.pk}/change/" in message.body
    assert "/oncall/acknowledge/" in message.body
    assert "10 minutes" in message.body and "On call: Secundair" in message.body
    page = Page.objects.get(escalation=escalation)
    assert message.extra_headers["Message-ID"] == page.message_id
    assert (page.sent_at, page.attempts, page.claim_token is not None) == (SUNDAY_3AM, 1, True)
    sent = IssueEvent.objects.get(issue=issue, kind=EventKind.PAGE_SENT)
    assert sent.data["recipient"] == "Eva Smit" and sent.data["step"] == 1
    escalation.refresh_from_db()
    assert escalation.step_index == 1
    assert escalation.due_at == escalation.step_due_at == SUNDAY_3AM + 10 * MINUTE


def test_running_a_step_again_sends_nothing_twice(file_issue):
    escalation = Escalation.objects.get(issue=file_issue())
    assert step(escalation, SUNDAY_3AM) == Outcome.SENT
    assert step(escalation, SUNDAY_3AM) == Outcome.NOT_DUE
    assert step(escalation, SUNDAY_3AM + MINUTE) == Outcome.NOT_DUE
    assert recipients() == ["eva@example.org"]


def test_a_task_for_an_earlier_move_does_nothing(file_issue):
    escalation = Escalation.objects.get(issue=file_issue())
    old_token = str(escalation.token)
    step(escalation, SUNDAY_3AM)
    outcome = escalation_step_run(
        escalation_id=escalation.pk, token=old_token, now=SUNDAY_3AM + 20 * MINUTE
    )
    assert outcome == Outcome.STALE
    assert len(mail.outbox) == 1


def test_a_step_claimed_by_another_worker_is_left_to_it(file_issue):
    escalation = Escalation.objects.get(issue=file_issue())
    first = _claim(escalation_id=escalation.pk, token=None, now=SUNDAY_3AM)
    assert not isinstance(first, Outcome) and first.attempt == 1
    assert _claim(escalation_id=escalation.pk, token=None, now=SUNDAY_3AM) == Outcome.BUSY
    later = SUNDAY_3AM + claim_timeout() - timedelta(seconds=1)
    assert step(escalation, later) == Outcome.BUSY
    assert mail.outbox == []


def test_a_claim_whose_sender_died_is_sent_again_once_after_the_claim_timeout(file_issue):
    escalation = Escalation.objects.get(issue=file_issue())
    _claim(escalation_id=escalation.pk, token=None, now=SUNDAY_3AM)  # then SIGKILL
    after = SUNDAY_3AM + claim_timeout()
    assert step(escalation, after) == Outcome.SENT
    assert step(escalation, after) == Outcome.NOT_DUE
    assert recipients() == ["eva@example.org"]
    page = Page.objects.get(escalation=escalation)
    assert (page.attempts, page.sent_at) == (2, after)
    event = IssueEvent.objects.get(issue=escalation.issue, kind=EventKind.PAGE_SENT)
    assert event.data["resent_after_crash"] is True and event.data["attempt"] == 2


def test_the_original_sender_cannot_confirm_after_its_claim_was_taken_over(file_issue):
    from oncall.services.steps import _confirm

    escalation = Escalation.objects.get(issue=file_issue())
    slow = _claim(escalation_id=escalation.pk, token=None, now=SUNDAY_3AM)
    step(escalation, SUNDAY_3AM + claim_timeout())
    outcome = _confirm(
        escalation_id=escalation.pk, claim=slow, message_id="<x>", now=SUNDAY_3AM + 2 * MINUTE
    )
    assert outcome == Outcome.STALE
    assert IssueEvent.objects.filter(issue=escalation.issue, kind=EventKind.PAGE_SENT).count() == 1
    escalation.refresh_from_db()
    assert escalation.step_index == 1


def test_the_next_step_waits_for_the_step_s_minutes(file_issue):
    escalation = Escalation.objects.get(issue=file_issue())
    step(escalation, SUNDAY_3AM)
    assert step(escalation, SUNDAY_3AM + 10 * MINUTE - timedelta(seconds=1)) == Outcome.NOT_DUE
    assert step(escalation, SUNDAY_3AM + 10 * MINUTE) == Outcome.SENT
    assert recipients() == ["eva@example.org", "frank@example.org"]


def test_unacknowledged_the_chain_runs_twice_then_ends_and_tells_the_administrators(
    file_issue, admins, django_capture_on_commit_callbacks
):
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    now = SUNDAY_3AM
    for _step in range(6):
        assert step(escalation, now) == Outcome.SENT
        now += 10 * MINUTE
    assert step(escalation, now - timedelta(seconds=1)) == Outcome.NOT_DUE
    with django_capture_on_commit_callbacks(execute=True):
        assert step(escalation, now) == Outcome.EXHAUSTED
    pages = [m.to[0] for m in mail.outbox if m.to != ["beheer@example.org"]]
    assert pages == ["eva@example.org", "frank@example.org", "chantal@example.org"] * 2
    [alert] = [m for m in mail.outbox if m.to == ["beheer@example.org"]]
    assert issue.reference in alert.subject
    escalation.refresh_from_db()
    assert (escalation.state, escalation.due_at, escalation.ended_at) == (
        EscalationState.EXHAUSTED,
        None,
        now,
    )
    assert kinds(issue) == [
        EventKind.ESCALATION_STARTED,
        *[EventKind.PAGE_SENT] * 6,
        EventKind.ESCALATION_EXHAUSTED,
    ]
    assert step(escalation, now + MINUTE) == Outcome.ENDED


def test_an_edit_of_the_policy_leaves_a_running_escalation_alone(file_issue, staff):
    escalation = Escalation.objects.get(issue=file_issue())
    step(escalation, SUNDAY_3AM)
    stranger = StaffFactory(username="stranger")
    EscalationStep.objects.filter(position=2).update(wait_minutes=60)
    EscalationStep.objects.filter(position=3).update(
        target=StepTarget.USER, user=stranger, layer=None
    )
    for minutes in (10, 20, 30):
        assert step(escalation, SUNDAY_3AM + minutes * MINUTE) == Outcome.SENT
    assert recipients() == [
        "eva@example.org",
        "frank@example.org",
        "chantal@example.org",
        "eva@example.org",
    ]


def test_a_step_after_a_rota_handoff_pages_whoever_is_on_call_then(file_issue, staff):
    escalation = Escalation.objects.get(issue=file_issue())
    step(escalation, SUNDAY_3AM)
    stand_in = StaffFactory(username="stand-in")
    secondary = RotaLayer.objects.get(level=2)
    RotaOverride.objects.create(
        rota=secondary.rota,
        layer=secondary,
        user=stand_in,
        starts_at=SUNDAY_3AM + 5 * MINUTE,
        ends_at=SUNDAY_3AM + timedelta(days=1),
    )
    assert step(escalation, SUNDAY_3AM + 10 * MINUTE) == Outcome.SENT
    assert recipients() == ["eva@example.org", "stand-in@example.org"]
    page = Page.objects.get(escalation=escalation, step_index=1)
    assert page.recipient == stand_in


def test_an_override_in_force_at_the_start_is_paged_instead(file_issue, staff):
    primary = RotaLayer.objects.get(level=1)
    stand_in = StaffFactory(username="gijs")
    RotaOverride.objects.create(
        rota=primary.rota,
        layer=primary,
        user=stand_in,
        starts_at=SUNDAY_3AM - timedelta(hours=2),
        ends_at=SUNDAY_3AM + timedelta(hours=6),
        reason="Eva is ziek",
    )
    escalation = Escalation.objects.get(issue=file_issue())
    step(escalation, SUNDAY_3AM)
    assert recipients() == ["gijs@example.org"]


def test_a_resolved_issue_stops_the_paging_at_once(file_issue, team):
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    step(escalation, SUNDAY_3AM)
    ticket_services.issue_change_status(
        issue=issue, actor=team.lead, status=Status.RESOLVED, now=SUNDAY_3AM + MINUTE
    )
    escalation.refresh_from_db()
    assert (escalation.state, escalation.end_reason) == (
        EscalationState.CANCELLED,
        "issue_resolved",
    )
    assert step(escalation, SUNDAY_3AM + 10 * MINUTE) == Outcome.ENDED
    assert len(mail.outbox) == 1
    cancelled = IssueEvent.objects.get(issue=issue, kind=EventKind.ESCALATION_CANCELLED)
    assert cancelled.data == {"escalation": escalation.pk, "reason": "issue_resolved"}


# -- failures ---------------------------------------------------------------------------


def test_a_failing_smtp_server_is_retried_with_backoff_and_the_page_sent_once(
    file_issue, faulty_mail
):
    faulty_mail.failures = 2
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    assert step(escalation, SUNDAY_3AM) == Outcome.RETRY_LATER
    escalation.refresh_from_db()
    assert escalation.due_at == SUNDAY_3AM + timedelta(seconds=5)
    assert escalation.step_due_at == SUNDAY_3AM
    assert step(escalation, SUNDAY_3AM + timedelta(seconds=4)) == Outcome.NOT_DUE
    assert step(escalation, SUNDAY_3AM + timedelta(seconds=5)) == Outcome.RETRY_LATER
    escalation.refresh_from_db()
    assert escalation.due_at == SUNDAY_3AM + timedelta(seconds=15)
    assert step(escalation, SUNDAY_3AM + timedelta(seconds=15)) == Outcome.SENT
    assert recipients() == ["eva@example.org"]
    failed = IssueEvent.objects.filter(issue=issue, kind=EventKind.PAGE_FAILED).order_by("id")
    assert [(e.data["attempt"], e.data["gave_up"]) for e in failed] == [(1, False), (2, False)]
    assert "SMTPServerDisconnected" in failed[0].data["error"]
    page = Page.objects.get(escalation=escalation)
    assert (page.attempts, page.last_error, page.failed_at) == (3, "", None)
    escalation.refresh_from_db()
    # The wait before the secondary counts from the page that went out.
    assert escalation.due_at == SUNDAY_3AM + timedelta(seconds=15) + 10 * MINUTE


def test_after_the_last_attempt_the_step_is_given_up_and_the_next_one_paged_at_once(
    file_issue, faulty_mail
):
    faulty_mail.refuse = {"eva@example.org"}
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    at = SUNDAY_3AM
    outcomes = []
    for _attempt in range(3):
        outcomes.append(step(escalation, at))
        escalation.refresh_from_db()
        at = escalation.due_at
    assert outcomes == [Outcome.RETRY_LATER, Outcome.RETRY_LATER, Outcome.GIVEN_UP]
    assert escalation.step_index == 1 and escalation.due_at == SUNDAY_3AM + timedelta(seconds=15)
    assert step(escalation, at) == Outcome.SENT
    assert recipients() == ["frank@example.org"]
    gave_up = IssueEvent.objects.get(issue=issue, kind=EventKind.PAGE_FAILED, data__gave_up=True)
    assert "SMTPRecipientsRefused" in gave_up.data["error"]
    assert Page.objects.get(escalation=escalation, step_index=0).failed_at is not None


def test_the_number_of_attempts_comes_from_the_settings_as_the_escalation_started(
    file_issue, faulty_mail, oncall
):
    OncallSettings.objects.update(page_attempts=1)
    faulty_mail.refuse = {"eva@example.org"}
    escalation = Escalation.objects.get(issue=file_issue())
    OncallSettings.objects.update(page_attempts=5)
    assert step(escalation, SUNDAY_3AM) == Outcome.GIVEN_UP


def test_a_step_that_names_nobody_is_recorded_and_skipped(file_issue, oncall):
    OncallSettings.objects.update(duty_manager=None)
    escalation = Escalation.objects.get(issue=file_issue())
    step(escalation, SUNDAY_3AM)
    step(escalation, SUNDAY_3AM + 10 * MINUTE)
    assert step(escalation, SUNDAY_3AM + 20 * MINUTE) == Outcome.GIVEN_UP
    event = IssueEvent.objects.get(issue=escalation.issue, kind=EventKind.PAGE_FAILED)
    assert event.data["gave_up"] and "nobody to notify" in event.data["error"]
    escalation.refresh_from_db()
    assert escalation.step_index == 3 and escalation.due_at == SUNDAY_3AM + 20 * MINUTE


def test_a_recipient_without_an_email_address_is_skipped(file_issue, staff):
    staff["eva"].email = ""
    staff["eva"].save(update_fields=["email"])
    escalation = Escalation.objects.get(issue=file_issue())
    assert step(escalation, SUNDAY_3AM) == Outcome.GIVEN_UP
    assert step(escalation, SUNDAY_3AM) == Outcome.SENT
    assert recipients() == ["frank@example.org"]


def test_a_removed_escalation_ends_quietly(file_issue):
    escalation = Escalation.objects.get(issue=file_issue())
    Escalation.objects.filter(pk=escalation.pk).delete()
    assert step(escalation, SUNDAY_3AM) == Outcome.ENDED


def test_starting_twice_for_one_issue_is_refused_by_the_database(file_issue):
    from django.db import IntegrityError

    issue = file_issue()
    with pytest.raises(IntegrityError):
        escalation_start(issue=issue, now=SUNDAY_3AM)


# -- two workers at once ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_a_step_send_it_once(agreement, contact, staff):
    import threading
    import time as clock

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the row lock is PostgreSQL's")
    from oncall.demo import seed_oncall_demo

    seed_oncall_demo(staff=staff)
    # Here commits are real: keep the first step from being run on commit (eagerly).
    with mock.patch("oncall.services.moves.step_schedule"):
        issue = ticket_services.issue_create(
            client=agreement.client,
            requester=contact,
            title="Alles ligt eruit",
            description="Niets werkt.",
            priority=Priority.P1,
            now=SUNDAY_3AM,
        )
    mail.outbox.clear()
    escalation = Escalation.objects.get(issue=issue)
    original = EmailChannel.send

    def slow_send(self, request):
        clock.sleep(0.3)
        return original(self, request)

    start = threading.Barrier(4)
    outcomes = []

    def worker():
        start.wait()
        try:
            outcomes.append(step(escalation, SUNDAY_3AM))
        finally:
            connection.close()

    with mock.patch("oncall.channels.EmailChannel.send", slow_send):
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # The losers find the step claimed, or (if they come last) already moved on.
    assert outcomes.count(Outcome.SENT) == 1
    assert set(outcomes) - {Outcome.SENT} <= {Outcome.BUSY, Outcome.NOT_DUE}
    assert recipients() == ["eva@example.org"]
    assert Page.objects.get(escalation=escalation).attempts == 1


def test_acknowledging_by_the_admin_records_the_channel(file_issue, team):
    from oncall.services import escalation_acknowledge

    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    escalation_acknowledge(escalation=escalation, user=team.lead, channel=Channel.ADMIN)
    event = IssueEvent.objects.get(issue=issue, kind=EventKind.ESCALATION_ACKNOWLEDGED)
    assert (event.actor, event.channel, event.data["assigned"]) == (team.lead, "admin", True)
    issue.refresh_from_db()
    assert issue.assignee == team.lead


def test_a_step_can_page_a_named_person_or_the_lead_of_the_client_s_team(file_issue, team):
    named = StaffFactory(username="noor")
    EscalationStep.objects.filter(position=2).update(target=StepTarget.USER, user=named, layer=None)
    EscalationStep.objects.filter(position=3).update(target=StepTarget.TEAM_LEAD)
    escalation = Escalation.objects.get(issue=file_issue())
    labels = [s["label"] for s in escalation.steps[:3]]
    assert labels == ["On call: Primair", str(named), "The lead of the client's team"]
    for minutes in (0, 10, 20):
        step(escalation, SUNDAY_3AM + minutes * MINUTE)
    assert recipients() == ["eva@example.org", "noor@example.org", "lead@example.org"]
