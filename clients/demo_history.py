"""A year of finished issues for the demo, so that the dashboard and the evaluation show data.

Written with bulk inserts, not through the services: a year of issues filed one by one
would make ``make run`` wait for minutes. Every row is what the services would have left
behind for an issue long resolved: stopped clocks (met, or breached with ``missed_at``),
a priority change on the timeline now and then, pages acknowledged out of hours, and
monitoring alerts. The numbers come from a seeded random generator, so every run of the
demo tells the same story.
"""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from clients.models import Client
from monitoring.models import MonitoringAlert, MonitoringSource
from monitoring.services import monitoring_source_create
from oncall.models import Escalation, EscalationState, Page
from sla.calendars import target_snapshot
from sla.models import ClockKind, ClockState, PriorityTarget, SlaClock
from tickets.choices import Category, Priority, Status
from tickets.markdown import render_markdown
from tickets.models import EventKind, Issue, IssueCounter, IssueEvent
from tickets.search import issue_search_document_build

MONTHS = 12
COMPONENTS = ["Zaaksysteem", "Burgerportaal", "Documentbeheer", "Koppelingen", "Rapportages"]
TITLES = [
    "Document uploaden lukt niet",
    "Koppeling met BRP geeft time-outs",
    "Vraag over rechten van medewerkers",
    "Wens: export naar Excel",
    "Formulier toont verkeerde datum",
    "Trage zoekresultaten",
    "Inloggen met eHerkenning mislukt",
    "Melding over certificaat",
]
# Priority, share of issues, response and resolution in minutes of wall time (typical).
MIX = [
    (Priority.P1, 0.05, 20, 180),
    (Priority.P2, 0.20, 90, 900),
    (Priority.P3, 0.55, 240, 2400),
    (Priority.P4, 0.20, 600, 6000),
]
# A late first response or resolution, roughly as often as a real team has one.
BREACH_RATE = 0.08


def _priority(rng: random.Random):
    roll, total = rng.random(), 0.0
    for row in MIX:
        total += row[1]
        if roll <= total:
            return row
    return MIX[-1]


def seed_history(*, clients: dict[str, Client], contacts: dict[str, User], now: datetime) -> None:
    """Write a year of resolved issues for each client that has none older than a month."""
    for code, client in clients.items():
        if Issue.objects.filter(client=client, created_at__lt=now - timedelta(days=31)).exists():
            continue
        requesters = [u for u in contacts.values() if u.client_id == client.pk]
        # Seeded on purpose: every run of the demo tells the same story.
        _client_history(client, requesters, now=now, rng=random.Random(code))  # noqa: S311
    # Bulk inserts skip the handler that keeps staff search's documents; one statement
    # writes them all (PostgreSQL only).
    issue_search_document_build()


def _client_history(client: Client, requesters: list[User], *, now: datetime, rng) -> None:
    team = client.team
    engineer = team.lead or team.members.first()
    targets = {t.priority: t for t in PriorityTarget.objects.filter(agreement__client=client)}
    snapshots = {p: target_snapshot(target=t, at=now) for p, t in targets.items()}
    agreement_id = next(iter(targets.values())).agreement_id
    start = now - timedelta(days=30 * MONTHS + 31)
    # Numbers go on from the counter, so they never collide with issues filed before.
    counters: dict[int, IssueCounter] = {}
    issues, plans = [], []
    day = start
    while day < now - timedelta(days=31):
        for _n in range(rng.randint(0, 2)):
            filed = day.replace(hour=rng.randint(7, 19), minute=rng.randint(0, 59))
            priority, _share, response, resolution = _priority(rng)
            local = timezone.localtime(filed)
            if local.year not in counters:
                counters[local.year] = IssueCounter.objects.get_or_create(
                    client=client, year=local.year
                )[0]
            counter = counters[local.year]
            counter.last_sequence += 1
            resolved = filed + timedelta(minutes=int(resolution * rng.uniform(0.3, 1.6)))
            issues.append(
                Issue(
                    client=client,
                    reference=f"{client.code}-{local.year}-{counter.last_sequence:04d}",
                    year=local.year,
                    sequence=counter.last_sequence,
                    title=rng.choice(TITLES),
                    description="Afgehandelde melding uit het afgelopen jaar.",
                    description_html=render_markdown(
                        "Afgehandelde melding uit het afgelopen jaar."
                    ),
                    category=rng.choice(Category.values),
                    component=rng.choice(COMPONENTS),
                    priority=priority,
                    requested_priority=priority,
                    status=Status.CLOSED,
                    requester=rng.choice(requesters),
                    assignee=engineer,
                    agreement_id=agreement_id,
                    created_at=filed,
                    updated_at=resolved,
                    last_activity_at=resolved,
                    opened_at=filed,
                    assigned_at=filed + timedelta(minutes=10),
                    resolved_at=resolved,
                    closed_at=resolved + timedelta(days=3),
                )
            )
            plans.append((priority, response, resolved))
        day += timedelta(days=1)
    issues = Issue.objects.bulk_create(issues)
    _clocks(issues, plans, targets, snapshots, rng)
    _reprioritisations(issues, engineer, rng)
    _paging(issues, engineer, rng)
    _alerts(client, issues, rng)
    for counter in counters.values():
        counter.save(update_fields=["last_sequence"])


def _clocks(issues, plans, targets, snapshots, rng) -> None:
    clocks = []
    for issue, (priority, response, resolved) in zip(issues, plans, strict=True):
        target = targets.get(priority)
        if target is None:
            continue
        for kind, minutes, stopped in (
            (ClockKind.RESPONSE, target.first_response_minutes, None),
            (ClockKind.RESOLUTION, target.resolution_minutes, resolved),
        ):
            if minutes is None:
                continue
            breached = rng.random() < BREACH_RATE
            if stopped is None:
                stopped = issue.created_at + timedelta(
                    minutes=int(response * rng.uniform(0.2, 1.2))
                )
            used = minutes * 60 * (rng.uniform(1.1, 1.8) if breached else rng.uniform(0.2, 0.95))
            due = issue.created_at + (stopped - issue.created_at) * (minutes * 60 / used)
            clocks.append(
                SlaClock(
                    issue=issue,
                    kind=kind,
                    state=ClockState.BREACHED if breached else ClockState.MET,
                    target_seconds=minutes * 60,
                    used_seconds=int(used),
                    started_at=issue.created_at,
                    stopped_at=stopped,
                    due_at=due,
                    missed_at=due if breached else None,
                    breached_at=due if breached else None,
                    snapshot=snapshots[priority],
                )
            )
    SlaClock.objects.bulk_create(clocks)


def _reprioritisations(issues, engineer, rng) -> None:
    reasons = ["Meer gebruikers geraakt dan gedacht", "Omweg gevonden", "Productie geraakt"]
    events = []
    for issue in issues:
        if rng.random() > 0.06:
            continue
        old = rng.choice([p for p in Priority.values if p != issue.priority])
        events.append(
            IssueEvent(
                issue=issue,
                actor=engineer,
                kind=EventKind.PRIORITY_CHANGED,
                data={"from": old, "to": issue.priority, "reason": rng.choice(reasons)},
                created_at=issue.created_at + timedelta(minutes=30),
            )
        )
    IssueEvent.objects.bulk_create(events)


def _paging(issues, engineer, rng) -> None:
    urgent = [i for i in issues if i.priority == Priority.P1]
    escalations = Escalation.objects.bulk_create(
        Escalation(
            issue=issue,
            state=EscalationState.ACKNOWLEDGED,
            snapshot={"steps": [], "policy": None},
            started_at=issue.created_at,
            ended_at=issue.created_at + timedelta(minutes=rng.randint(3, 25)),
            acknowledged_by=engineer,
            end_reason="acknowledged",
        )
        for issue in urgent
    )
    Page.objects.bulk_create(
        Page(
            escalation=escalation,
            step_index=0,
            recipient=engineer,
            attempts=1,
            sent_at=escalation.started_at,
        )
        for escalation in escalations
    )


def _alerts(client: Client, issues, rng) -> None:
    source = MonitoringSource.objects.filter(client=client).first()
    if source is None:
        source, _secret = monitoring_source_create(
            client=client, kind="alertmanager", name="Prometheus", default_priority=Priority.P2
        )
    incidents = [i for i in issues if i.category == Category.INCIDENT][::4]
    MonitoringAlert.objects.bulk_create(
        MonitoringAlert(
            source=source,
            fingerprint=f"demo-{issue.reference}",
            issue=issue,
            is_open=False,
            is_firing=False,
            first_fired_at=issue.created_at - timedelta(minutes=2),
            last_fired_at=issue.created_at,
            last_received_at=issue.resolved_at,
            resolved_at=issue.created_at + timedelta(minutes=rng.randint(15, 240)),
        )
        for issue in incidents
    )
