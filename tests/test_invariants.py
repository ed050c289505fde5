"""The product's promises, checked after every step of random sequences of changes.

A hypothesis state machine drives the real services on the test database: it files
issues, replies, changes status and priority, assigns, merges, reopens, acknowledges
pages, moves the clock across office hours, nights, weekends, holidays and daylight-saving
changes, adds closures, replaces the agreement, and runs the sweeps as beat would. After
every step it checks:

1. An open issue whose priority the agreement in force covers 24/7, while the office is
   closed and nobody has acknowledged or taken it, has exactly one running escalation;
   no other issue has one.
2. A breach once recorded is in the monthly report for ever after.
3. A clock's used business time never decreases, and does not grow while it is paused.
4. The SLA clocks and the pager agree on the agreement and the target.
5. The issue's copy of its clocks, which the queue sorts and filters on, is current.

``STATE_MACHINE_EXAMPLES`` sets how many sequences run (the real-services run of CI runs
more than the embedded one).
"""

import contextlib
import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from oncall.demo import seed_oncall_demo
from oncall.models import (
    ENDED_UNANSWERED,
    Escalation,
    EscalationState,
    Page,
    current_escalation_q,
)
from oncall.selectors import office_is_open
from oncall.services import escalation_acknowledge, escalation_reconcile_sweep, escalation_step_run
from paqt_support.exceptions import ApplicationError
from sla.models import Agreement, ClockKind, Closure, PriorityTarget, SlaClock, Tier
from sla.policy import Verdict, clock_verdict
from sla.selectors import sla_report
from sla.services import sla_agreements_roll_over, sla_calendar_changed, sla_clocks_sweep
from tests.factories import (
    AgreementFactory,
    ContactFactory,
    StaffFactory,
    SupportCalendarFactory,
    TeamFactory,
)
from tickets import services as ticket_services
from tickets.choices import Priority, Status
from tickets.models import Channel, Issue

AMS = ZoneInfo("Europe/Amsterdam")
DONE = (Status.RESOLVED, Status.CLOSED)
EXAMPLES = int(os.environ.get("STATE_MACHINE_EXAMPLES", "12"))

# Moments just before what makes business time hard: a Friday afternoon, the night
# before the clocks go forward, Easter and King's Day, and the night they go back.
STARTS = [
    (2026, 3, 6, 16, 40),
    (2026, 3, 28, 22, 0),
    (2026, 4, 2, 17, 0),
    (2026, 4, 26, 20, 0),
    (2026, 10, 24, 23, 30),
    (2026, 12, 24, 15, 0),
]
STEPS_FORWARD = [
    timedelta(minutes=5),
    timedelta(minutes=25),
    timedelta(hours=1, minutes=10),
    timedelta(hours=4),
    timedelta(hours=9),
    timedelta(days=1),
    timedelta(days=2, hours=3),
]
TARGET_MINUTES = {
    Priority.P1: [(30, 240), (60, 240), (15, None)],
    Priority.P2: [(240, 960), (120, 480)],
    Priority.P3: [(480, 2400), (480, None)],
    Priority.P4: [(960, None)],
}


def _targets(agreement: Agreement, *, p1_round_the_clock: bool, variant: int) -> None:
    for priority, options in TARGET_MINUTES.items():
        response, resolution = options[variant % len(options)]
        PriorityTarget.objects.create(
            agreement=agreement,
            priority=priority,
            first_response_minutes=response,
            resolution_minutes=resolution,
            is_round_the_clock=p1_round_the_clock and priority == Priority.P1,
        )


def _in_force(client_id: int, at) -> Agreement | None:
    day = timezone.localtime(at).date()
    return (
        Agreement.objects.filter(client_id=client_id, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("-valid_from")
        .first()
    )


class IssueLife(RuleBasedStateMachine):
    """One client with a 24/7 agreement, its team, the on-call rota, and a clock we move."""

    issues = Bundle("issues")

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.savepoint()
        self.staff = {
            name: StaffFactory(username=name, first_name=name.title())
            for name in ("eva", "frank", "chantal")
        }
        self.lead = StaffFactory(username="lead")
        self.member = StaffFactory(username="member")
        self.team = TeamFactory(lead=self.lead, members=[self.member, self.staff["eva"]])
        self.client_org = self.team.client
        self.contact = ContactFactory(client=self.client_org, username="contact")
        seed_oncall_demo(staff=self.staff)
        self.calendar = SupportCalendarFactory(name="Kantooruren van de klant")
        self.agreement = AgreementFactory(
            client=self.client_org,
            tier=Tier.ROUND_THE_CLOCK,
            calendar=self.calendar,
            valid_from=date(2020, 1, 1),
        )
        _targets(self.agreement, p1_round_the_clock=True, variant=0)
        self.now = None
        self.breaches: set[tuple[int, str]] = set()
        self.used: dict[int, tuple[int, bool]] = {}

    def teardown(self):
        transaction.savepoint_rollback(self._savepoint)

    # -- steps --------------------------------------------------------------------------

    @initialize(
        target=issues,
        start=st.sampled_from(STARTS),
        priorities=st.lists(st.sampled_from(Priority.values), min_size=1, max_size=3),
    )
    def begin_at(self, start, priorities):
        self.now = datetime(*start, tzinfo=AMS)
        return multiple(*(self.file(priority=priority) for priority in priorities))

    def _clock(self):
        return self.now

    @rule(target=issues, priority=st.sampled_from(Priority.values))
    def file(self, priority):
        try:
            issue = ticket_services.issue_create(
                client=self.client_org,
                requester=self.contact,
                title="Burgerportaal geeft fouten",
                description="Sinds vanochtend faalt het inloggen.",
                priority=priority,
                now=self._clock(),
            )
        except ApplicationError:
            return None
        return issue.pk

    def _issue(self, pk) -> Issue | None:
        return Issue.objects.filter(pk=pk).first() if pk is not None else None

    @rule(pk=issues, internal=st.booleans())
    def staff_reply(self, pk, internal):
        issue = self._issue(pk)
        if issue is None:
            return
        ticket_services.comment_create(
            issue=issue,
            author=self.member,
            body="We kijken ernaar.",
            is_internal=internal,
            channel=Channel.ADMIN,
            now=self._clock(),
        )

    @rule(pk=issues)
    def client_reply(self, pk):
        issue = self._issue(pk)
        if issue is None:
            return
        try:
            ticket_services.comment_create(
                issue=issue, author=self.contact, body="Nog steeds stuk.", now=self._clock()
            )
        except ApplicationError:
            assert not issue.is_open

    @rule(pk=issues, status=st.sampled_from(Status.values), by_client=st.booleans())
    def change_status(self, pk, status, by_client):
        issue = self._issue(pk)
        if issue is None:
            return
        with contextlib.suppress(ApplicationError):
            ticket_services.issue_change_status(
                issue=issue,
                actor=self.contact if by_client else self.lead,
                status=status,
                now=self._clock(),
            )

    @rule(pk=issues, priority=st.sampled_from(Priority.values))
    def change_priority(self, pk, priority):
        issue = self._issue(pk)
        if issue is None:
            return
        with contextlib.suppress(ApplicationError):
            ticket_services.issue_change_priority(
                issue=issue, actor=self.lead, priority=priority, reason="Triage", now=self._clock()
            )

    @rule(pk=issues, who=st.sampled_from(["nobody", "member", "eva", "frank"]))
    def assign(self, pk, who):
        issue = self._issue(pk)
        if issue is None:
            return
        assignee = {"nobody": None, "member": self.member}.get(who, self.staff.get(who))
        with contextlib.suppress(ApplicationError):
            ticket_services.issue_assign(
                issue=issue, actor=self.lead, assignee=assignee, now=self._clock()
            )

    @rule(duplicate=issues, into=issues)
    def merge(self, duplicate, into):
        source_issue, target_issue = self._issue(duplicate), self._issue(into)
        if source_issue is None or target_issue is None:
            return
        with contextlib.suppress(ApplicationError):
            ticket_services.issue_merge(
                target=target_issue, sources=[source_issue], actor=self.lead, now=self._clock()
            )

    @rule(pk=issues)
    def acknowledge(self, pk):
        escalation = Escalation.objects.filter(
            issue_id=pk, state__in=(EscalationState.ACTIVE, *ENDED_UNANSWERED)
        ).first()
        if escalation is None:
            return
        page = Page.objects.filter(escalation=escalation, sent_at__isnull=False).last()
        user = page.recipient if page is not None else self.lead
        with contextlib.suppress(ApplicationError):
            escalation_acknowledge(
                escalation=escalation, user=user, channel=Channel.EMAIL, now=self._clock()
            )

    @rule(forward=st.sampled_from(STEPS_FORWARD))
    def advance(self, forward):
        self.now = self._clock() + forward
        self._sweeps()

    # Time passing is what most promises are about, so it gets a second, shorter rule.
    @rule(minutes=st.integers(min_value=1, max_value=180))
    def wait(self, minutes):
        self.advance(timedelta(minutes=minutes))

    @rule()
    def run_sweeps(self):
        self._sweeps()

    @rule(offset=st.integers(min_value=-1, max_value=4), days=st.integers(min_value=1, max_value=3))
    def add_closure(self, offset, days):
        today = timezone.localtime(self._clock()).date()
        Closure.objects.create(
            calendar=self.calendar,
            starts_on=today + timedelta(days=offset),
            ends_on=today + timedelta(days=offset + days - 1),
            reason="Studiedag",
        )
        sla_calendar_changed(calendar_id=self.calendar.pk, now=self._clock())

    @rule(
        tomorrow=st.booleans(),
        round_the_clock=st.booleans(),
        variant=st.integers(min_value=0, max_value=2),
    )
    def replace_agreement(self, tomorrow, round_the_clock, variant):
        today = timezone.localtime(self._clock()).date()
        current = _in_force(self.client_org.pk, self._clock())
        if Agreement.objects.filter(client=self.client_org, valid_from__gt=today).exists():
            return
        starts = today + timedelta(days=1) if tomorrow else today
        if current.valid_from >= starts:
            return
        Agreement.objects.filter(pk=current.pk).update(valid_until=starts - timedelta(days=1))
        successor = AgreementFactory(
            client=self.client_org,
            name=f"SLA vanaf {starts}",
            tier=Tier.ROUND_THE_CLOCK if round_the_clock else Tier.PLUS,
            calendar=self.calendar,
            valid_from=starts,
        )
        _targets(successor, p1_round_the_clock=round_the_clock, variant=variant)
        sla_agreements_roll_over(now=self._clock())

    def _sweeps(self):
        now = self._clock()
        sla_agreements_roll_over(now=now)
        escalation_reconcile_sweep(now=now)
        sla_clocks_sweep(now=now)
        # A step runs as soon as it is due; the chain may take several in one go.
        for _round in range(20):
            due = list(
                Escalation.objects.filter(
                    state=EscalationState.ACTIVE, due_at__lte=now
                ).values_list("pk", flat=True)
            )
            if not due:
                break
            for escalation_id in due:
                escalation_step_run(escalation_id=escalation_id, now=now)

    # -- the promises -------------------------------------------------------------------

    def _needs_paging(self, issue: Issue) -> bool:
        if issue.status in DONE:
            return False
        agreement = _in_force(issue.client_id, self.now) or issue.agreement
        target = agreement.targets.filter(priority=issue.priority).first() if agreement else None
        if target is None or not target.is_round_the_clock:
            return False
        taken = (
            issue.assignee_id is not None
            and issue.assigned_at is not None
            and issue.assigned_at >= issue.opened_at
        ) or Escalation.objects.filter(
            issue=issue, state=EscalationState.ACKNOWLEDGED, ended_at__gte=issue.opened_at
        ).exists()
        return not taken and not office_is_open(at=self.now)

    @invariant()
    def an_issue_is_paged_exactly_while_it_needs_it(self):
        if self.now is None:
            return
        for issue in Issue.objects.select_related("agreement"):
            current = Escalation.objects.filter(issue=issue).filter(current_escalation_q())
            expected = 1 if self._needs_paging(issue) else 0
            assert current.count() == expected, (
                f"{issue.reference} ({issue.status}, {issue.priority}, assignee "
                f"{issue.assignee_id}) at {timezone.localtime(self.now)}: "
                f"{current.count()} current escalations, expected {expected}"
            )

    @invariant()
    def a_breach_stays_in_the_report(self):
        if self.now is None:
            return
        for clock in SlaClock.objects.all():
            if clock_verdict(clock.to_policy(), now=self.now) == Verdict.BREACHED:
                self.breaches.add((clock.issue_id, clock.kind))
        months = {}
        for issue_id, kind in self.breaches:
            issue = Issue.objects.get(pk=issue_id)
            local = timezone.localtime(issue.created_at)
            key = (local.year, local.month)
            if key not in months:
                report = sla_report(client=self.client_org, year=key[0], month=key[1], now=self.now)
                months[key] = {
                    (row.issue.pk, clock.kind) for row in report.breaches for clock in row.breached
                }
            assert (issue_id, kind) in months[key], f"breach of {issue.reference} {kind} lost"

    @invariant()
    def used_time_never_decreases_nor_grows_while_paused(self):
        if self.now is None:
            return
        seen = {}
        for clock in SlaClock.objects.all():
            used = int(clock.health(self.now).used.total_seconds())
            paused = clock.resumed_at is None and clock.stopped_at is None
            before = self.used.get(clock.pk)
            if before is not None:
                used_before, paused_before = before
                assert used >= used_before, f"clock {clock.pk} went back from {used_before}"
                if paused and paused_before:
                    assert used == used_before, f"paused clock {clock.pk} kept counting"
            seen[clock.pk] = (used, paused)
        self.used = seen

    @invariant()
    def clocks_and_pager_agree_on_the_terms(self):
        if self.now is None:
            return
        for issue in Issue.objects.exclude(status__in=DONE):
            agreement = _in_force(issue.client_id, self.now) or issue.agreement
            target = agreement.targets.filter(priority=issue.priority).first()
            running = SlaClock.objects.filter(issue=issue, stopped_at__isnull=True)
            for clock in running:
                snapshot = clock.snapshot
                assert snapshot["agreement"]["id"] == agreement.pk, issue.reference
                assert snapshot["priority"] == issue.priority, issue.reference
                assert snapshot["is_round_the_clock"] == target.is_round_the_clock
                minutes = (
                    target.first_response_minutes
                    if clock.kind == ClockKind.RESPONSE
                    else target.resolution_minutes
                )
                assert clock.target_seconds == minutes * 60, issue.reference
            paging = Escalation.objects.filter(issue=issue, state=EscalationState.ACTIVE)
            if paging.exists():
                assert target.is_round_the_clock, f"{issue.reference} paged without 24/7 cover"

    @invariant()
    def the_queue_s_copy_of_the_clocks_is_current(self):
        for issue in Issue.objects.all():
            counting = [
                clock
                for clock in SlaClock.objects.filter(issue=issue)
                if clock.stopped_at is None and clock.resumed_at is not None
            ]
            assert issue.sla_due_at == min((c.due_at for c in counting), default=None)
            assert issue.sla_warn_at == min((c.warn_at for c in counting), default=None)
            assert issue.sla_missed == any(
                c.missed_at is not None or c.state == "breached"
                for c in SlaClock.objects.filter(issue=issue)
            ), issue.reference


@pytest.mark.django_db
def test_changes_in_any_order_keep_the_product_s_promises():
    run_state_machine_as_test(
        IssueLife,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
