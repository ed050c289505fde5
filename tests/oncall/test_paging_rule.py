"""The paging rule follows every change of an issue, and time: one path for all of them."""

from datetime import date, timedelta

import pytest
from django.core import mail

from oncall.models import Escalation, EscalationState, Page
from oncall.services import Outcome, escalation_reconcile_sweep, escalation_step_run
from sla.models import ClockKind, SlaClock, Tier
from sla.services import sla_agreements_roll_over
from tests.factories import agreement_with_targets
from tests.oncall.conftest import MONDAY_10, SUNDAY_3AM, ams
from tickets import services as ticket_services
from tickets.choices import Priority, Status
from tickets.models import Channel, EventKind, IssueEvent

MINUTE = timedelta(minutes=1)


def active(issue) -> Escalation | None:
    return Escalation.objects.filter(issue=issue, state=EscalationState.ACTIVE).first()


def step(escalation: Escalation, now) -> Outcome:
    return escalation_step_run(escalation_id=escalation.pk, now=now)


def test_a_resolved_urgent_issue_reopened_at_night_pages_the_on_call_engineer(file_issue, team):
    issue = file_issue(now=MONDAY_10)
    assert active(issue) is None
    ticket_services.issue_change_status(
        issue=issue, actor=team.lead, status=Status.RESOLVED, now=MONDAY_10 + MINUTE
    )

    ticket_services.issue_change_status(
        issue=issue, actor=team.lead, status=Status.IN_PROGRESS, now=SUNDAY_3AM
    )

    escalation = active(issue)
    assert escalation is not None and escalation.started_at == SUNDAY_3AM
    assert step(escalation, SUNDAY_3AM) == Outcome.SENT
    assert [m.to for m in mail.outbox if "eva" in m.to[0]] == [["eva@example.org"]]


def test_a_reopened_issue_is_paged_even_when_its_earlier_assignee_is_still_named(
    file_issue, team, staff
):
    issue = file_issue(now=MONDAY_10)
    ticket_services.issue_assign(
        issue=issue, actor=team.lead, assignee=staff["eva"], now=MONDAY_10 + MINUTE
    )
    ticket_services.issue_change_status(
        issue=issue, actor=team.lead, status=Status.RESOLVED, now=MONDAY_10 + 2 * MINUTE
    )

    ticket_services.issue_change_status(
        issue=issue, actor=team.lead, status=Status.IN_PROGRESS, now=SUNDAY_3AM
    )

    assert active(issue) is not None


def test_lowering_an_urgent_issue_to_p3_stops_the_next_page(file_issue, team):
    issue = file_issue()
    escalation = active(issue)
    assert step(escalation, SUNDAY_3AM) == Outcome.SENT

    ticket_services.issue_change_priority(
        issue=issue, actor=team.lead, priority=Priority.P3, reason="Valt mee", now=SUNDAY_3AM
    )

    assert step(escalation, SUNDAY_3AM + 10 * MINUTE) == Outcome.ENDED
    escalation.refresh_from_db()
    assert (escalation.state, escalation.end_reason) == (EscalationState.CANCELLED, "not_covered")
    assert Page.objects.filter(escalation=escalation).count() == 1


def test_an_engineer_who_assigns_the_issue_to_themselves_stops_the_paging(file_issue, staff):
    issue = file_issue()
    escalation = active(issue)
    step(escalation, SUNDAY_3AM)

    ticket_services.issue_assign(
        issue=issue,
        actor=staff["eva"],
        assignee=staff["eva"],
        channel=Channel.ADMIN,
        now=SUNDAY_3AM + MINUTE,
    )

    assert step(escalation, SUNDAY_3AM + 10 * MINUTE) == Outcome.ENDED
    escalation.refresh_from_db()
    assert (escalation.state, escalation.end_reason) == (EscalationState.CANCELLED, "taken")
    cancelled = IssueEvent.objects.get(issue=issue, kind=EventKind.ESCALATION_CANCELLED)
    assert cancelled.data["reason"] == "taken"


def test_taking_the_issue_off_its_assignee_at_night_pages_again(file_issue, staff, team):
    issue = file_issue()
    ticket_services.issue_assign(
        issue=issue, actor=staff["eva"], assignee=staff["eva"], now=SUNDAY_3AM + MINUTE
    )
    assert active(issue) is None

    ticket_services.issue_assign(
        issue=issue, actor=team.lead, assignee=None, now=SUNDAY_3AM + 2 * MINUTE
    )

    assert active(issue) is not None


def test_an_urgent_issue_nobody_took_by_closing_time_is_paged_when_the_office_closes(
    file_issue,
):
    friday = ams(2026, 3, 6, 16, 0)
    issue = file_issue(now=friday)
    assert escalation_reconcile_sweep(now=friday + 60 * MINUTE) == 0
    assert active(issue) is None

    assert escalation_reconcile_sweep(now=ams(2026, 3, 6, 17, 31)) == 1

    assert active(issue) is not None
    assert escalation_reconcile_sweep(now=ams(2026, 3, 6, 17, 32)) == 0


def test_paging_ends_when_the_office_opens_and_the_team_has_it(file_issue):
    issue = file_issue(now=ams(2026, 3, 9, 7, 0))
    escalation = active(issue)

    escalation_reconcile_sweep(now=ams(2026, 3, 9, 8, 31))

    escalation.refresh_from_db()
    assert (escalation.state, escalation.end_reason) == (EscalationState.CANCELLED, "office_open")


def test_an_escalation_that_ran_out_is_not_started_again_while_the_need_lasts(file_issue, oncall):
    oncall.policy = None
    oncall.save()
    issue = file_issue()
    [ran_out] = Escalation.objects.filter(issue=issue)
    assert ran_out.state == EscalationState.EXHAUSTED

    escalation_reconcile_sweep(now=SUNDAY_3AM + 5 * MINUTE)

    assert Escalation.objects.filter(issue=issue).count() == 1
    escalation_reconcile_sweep(now=ams(2026, 3, 9, 9, 0))
    ran_out.refresh_from_db()
    assert ran_out.released_at == ams(2026, 3, 9, 9, 0)


def test_a_replaced_agreement_applies_to_the_clocks_and_the_pager_alike(
    team, contact, oncall, agreement
):
    # The client moves from Basis (P1 in office hours) to 24/7 on 8 March.
    agreement.targets.filter(priority=Priority.P1).update(is_round_the_clock=False)
    agreement.valid_until = date(2026, 3, 7)
    agreement.tier = Tier.BASIS
    agreement.save()
    issue = ticket_services.issue_create(
        client=team.client,
        requester=contact,
        title="Koppeling valt weg",
        description="De koppeling met het zaaksysteem valt steeds weg.",
        priority=Priority.P1,
        now=ams(2026, 3, 6, 16, 0),
    )
    successor = agreement_with_targets(
        team.client, tier=Tier.ROUND_THE_CLOCK, valid_from=date(2026, 3, 8)
    )
    successor.targets.filter(priority=Priority.P1).update(is_round_the_clock=True)

    assert sla_agreements_roll_over(now=SUNDAY_3AM) == 1

    issue.refresh_from_db()
    assert issue.agreement == successor
    clocks = SlaClock.objects.filter(issue=issue)
    assert {c.snapshot["agreement"]["id"] for c in clocks} == {successor.pk}
    assert all(c.snapshot["is_round_the_clock"] for c in clocks)
    escalation = active(issue)
    assert escalation is not None
    assert escalation.snapshot["agreement"]["id"] == successor.pk
    changed = IssueEvent.objects.get(issue=issue, kind=EventKind.AGREEMENT_CHANGED)
    assert changed.data["to"] == successor.pk


def test_a_priority_change_judges_the_clock_by_the_agreement_in_force(
    team, contact, oncall, agreement
):
    agreement.valid_until = date(2026, 3, 7)
    agreement.save()
    issue = ticket_services.issue_create(
        client=team.client,
        requester=contact,
        title="Formulier traag",
        description="Het formulier laadt traag.",
        priority=Priority.P3,
        now=ams(2026, 3, 6, 10, 0),
    )
    successor = agreement_with_targets(team.client, valid_from=date(2026, 3, 8))
    successor.targets.filter(priority=Priority.P2).update(first_response_minutes=15)

    ticket_services.issue_change_priority(
        issue=issue,
        actor=team.lead,
        priority=Priority.P2,
        reason="Meer gebruikers geraakt",
        now=ams(2026, 3, 9, 9, 0),
    )

    response = SlaClock.objects.get(issue=issue, kind=ClockKind.RESPONSE)
    assert response.snapshot["agreement"]["id"] == successor.pk
    assert response.target_seconds == 15 * 60


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_every_way_of_ending_an_issue_ends_its_paging(file_issue, team, status):
    issue = file_issue()
    ticket_services.issue_change_status(
        issue=issue, actor=team.lead, status=status, now=SUNDAY_3AM + MINUTE
    )
    assert active(issue) is None
