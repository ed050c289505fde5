"""The yearly evaluation, checked against a year whose answers are worked out by hand."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitoring.models import MonitoringAlert, MonitoringSource
from oncall.models import EscalationState
from sla.evaluation import Distribution, sla_evaluation
from sla.models import ClockKind, SlaClock
from tests.factories import ClientFactory, EscalationFactory, IssueFactory
from tickets.choices import Category
from tickets.models import EventKind, IssueEvent

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=AMS)
SNAPSHOT = {"calendar": {}, "is_round_the_clock": False}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def clock(issue, kind, *, minutes: int, breached: bool = False):
    """A stopped clock that used ``minutes`` of wall time; a breached one missed halfway."""
    started = issue.created_at
    stopped = started + timedelta(minutes=minutes)
    SlaClock.objects.create(
        issue=issue,
        kind=kind,
        state="breached" if breached else "met",
        target_seconds=minutes * 30 if breached else minutes * 60 + 60,
        used_seconds=minutes * 60,
        started_at=started,
        stopped_at=stopped,
        due_at=started + timedelta(minutes=minutes // 2 if breached else minutes + 1),
        missed_at=started + timedelta(minutes=minutes // 2) if breached else None,
        snapshot=SNAPSHOT,
    )


@pytest.fixture
def year(db):
    return seeded_year()


def seeded_year(code: str = "EVA"):
    """Three issues in 2025 and one in 2024, with what the answers depend on.

    - A: January, P1 incident on Zaaksysteem: response 30 min met, resolution 120 min met;
      paged at 22:00, acknowledged 12 minutes later.
    - B: January, P2 question on Zaaksysteem, raised from P3: response 300 min breached,
      resolution 600 min met.
    - C: March, P3 change request on Portaal: response 60 min met, resolution 3000 min
      breached.
    - D: March, a duplicate merged into C: counted nowhere.
    - E: June 2024 (the previous period): response 90 min, resolution 900 min.
    - Alerts: one fired 1 February and resolved 45 minutes later, one still firing.
    """
    client = ClientFactory(code=code, name=f"Gemeente {code.title()}")
    a = IssueFactory(
        client=client, created_at=at(2025, 1, 4, 21, 50), priority="P1", component="Zaaksysteem"
    )
    b = IssueFactory(
        client=client,
        created_at=at(2025, 1, 20, 9, 0),
        priority="P2",
        category=Category.QUESTION,
        component="Zaaksysteem",
    )
    c = IssueFactory(
        client=client,
        created_at=at(2025, 3, 3, 9, 0),
        priority="P3",
        category=Category.CHANGE_REQUEST,
        component="Portaal",
    )
    d = IssueFactory(client=client, created_at=at(2025, 3, 3, 10, 0), merged_into=c)
    e = IssueFactory(client=client, created_at=at(2024, 6, 3, 9, 0))
    for issue, response, resolution in (
        (a, (30, False), (120, False)),
        (b, (300, True), (600, False)),
        (c, (60, False), (3000, True)),
        (d, (10, True), (10, True)),
        (e, (90, False), (900, False)),
    ):
        clock(issue, ClockKind.RESPONSE, minutes=response[0], breached=response[1])
        clock(issue, ClockKind.RESOLUTION, minutes=resolution[0], breached=resolution[1])
    IssueEvent.objects.create(
        issue=b,
        kind=EventKind.PRIORITY_CHANGED,
        created_at=at(2025, 1, 20, 9, 30),
        data={"from": "P3", "to": "P2", "reason": "Productie geraakt"},
    )
    EscalationFactory(
        issue=a,
        state=EscalationState.ACKNOWLEDGED,
        started_at=at(2025, 1, 4, 22, 0),
        ended_at=at(2025, 1, 4, 22, 12),
        end_reason="acknowledged",
    )
    source = MonitoringSource.objects.create(
        client=client, kind="alertmanager", name="Prometheus", prefix=code.lower(), created_at=NOW
    )
    for fired, resolved in (
        (at(2025, 2, 1, 10, 0), at(2025, 2, 1, 10, 45)),
        (at(2025, 12, 31, 23, 0), None),
    ):
        MonitoringAlert.objects.create(
            source=source,
            fingerprint=str(fired),
            issue=a,
            is_open=resolved is None,
            first_fired_at=fired,
            last_fired_at=fired,
            last_received_at=fired,
            resolved_at=resolved,
        )
    return client, {"A": a, "B": b, "C": c}


@pytest.fixture
def evaluation(year):
    client, _issues = year
    return sla_evaluation(
        client=client, starts_on=date(2025, 1, 1), ends_on=date(2026, 1, 1), now=NOW
    )


def test_compliance_per_month_counts_verdicts_of_the_issues_filed_that_month(evaluation):
    months = {line.label: line for line in evaluation.months}

    assert len(evaluation.months) == 12
    january, march = months["January 2025"], months["March 2025"]
    assert (january.issues, january.response.met, january.response.breached) == (2, 1, 1)
    assert (january.resolution.met, january.resolution.breached) == (2, 0)
    assert (march.issues, march.response.met, march.resolution.breached) == (1, 1, 1)
    assert months["February 2025"].issues == 0


def test_compliance_per_priority_and_in_total_leave_merged_duplicates_out(evaluation):
    by_priority = {line.label[:2]: line for line in evaluation.priorities}

    assert [by_priority[p].issues for p in ("P1", "P2", "P3", "P4")] == [1, 1, 1, 0]
    assert by_priority["P2"].response.met_percentage == 0
    assert evaluation.total.issues == 3
    assert evaluation.total.response.met_percentage == pytest.approx(200 / 3)
    assert evaluation.total.resolution.met_percentage == pytest.approx(200 / 3)


def test_volume_by_category_and_component_with_the_top_components_first(evaluation):
    assert evaluation.by_category == [("Incident", 1), ("Question", 1), ("Change request", 1)]
    assert evaluation.top_components == [("Zaaksysteem", 2), ("Portaal", 1)]


def test_response_and_resolution_times_against_the_previous_period(evaluation):
    assert evaluation.response_times == Distribution(count=3, median=60, p90=300)
    assert evaluation.resolution_times == Distribution(count=3, median=600, p90=3000)
    assert evaluation.previous_response_times == Distribution(count=1, median=90, p90=90)
    assert evaluation.previous_resolution_times == Distribution(count=1, median=900, p90=900)


def test_every_breach_is_listed_with_the_reprioritisations_of_its_issue(evaluation, year):
    _client, issues = year

    breaches = [(b.issue.pk, b.kind) for b in evaluation.breaches]

    assert breaches == [
        (issues["B"].pk, ClockKind.RESPONSE),
        (issues["C"].pk, ClockKind.RESOLUTION),
    ]
    change = evaluation.breaches[0].reprioritisations[0]
    assert (change.old, change.new, change.reason) == ("P3", "P2", "Productie geraakt")
    assert evaluation.reprioritised == 1


def test_pages_with_their_acknowledgement_times(evaluation):
    assert [line.minutes_to_acknowledge for line in evaluation.paging] == [12]
    assert evaluation.acknowledge_times == Distribution(count=1, median=12, p90=12)


def test_monitoring_alerts_opened_resolved_and_time_to_resolution(evaluation):
    assert (evaluation.alerts_opened, evaluation.alerts_resolved) == (2, 1)
    assert evaluation.alert_resolution_times == Distribution(count=1, median=45, p90=45)


def test_reads_in_a_fixed_number_of_queries(year, django_assert_num_queries):
    client, _issues = year

    # issues, their clocks and the access log of their read, for the period and the
    # previous one; priority changes, escalations, alerts
    with django_assert_num_queries(9):
        sla_evaluation(client=client, starts_on=date(2025, 1, 1), ends_on=date(2026, 1, 1), now=NOW)
