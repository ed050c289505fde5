"""The queue: default view, order, columns, filters, quick links and a fixed number of queries."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from paqt_support.dates import when_long
from sla.models import ClockKind, ClockState, SlaClock
from sla.services import sla_issue_refresh
from tests.audit.helpers import audit_inserts
from tests.factories import StaffFactory
from tests.portal.helpers import issue_file
from tickets import services
from tickets.choices import Category, Priority, Status
from tickets.models import Issue

QUEUE = reverse("admin:tickets_issue_changelist")


def listed(response) -> list[str]:
    return [issue.reference for issue in response.context["cl"].result_list]


def clock_set(issue, kind=ClockKind.RESOLUTION, **fields):
    """Put a clock of ``issue`` in a given state, as the SLA services would have left it."""
    SlaClock.objects.filter(issue=issue, kind=kind).update(**fields)
    sla_issue_refresh(issue_id=issue.pk)


def bulk_issues(org, count: int) -> list[Issue]:
    """Write ``count`` issues with both clocks straight to the database, like a busy queue."""
    template = issue_file(org)
    clocks = list(template.sla_clocks.all())
    now = timezone.now()
    issues = Issue.objects.bulk_create(
        Issue(
            client=org.client,
            reference=f"{org.client.code}-2025-{n:05d}",
            year=2025,
            sequence=n,
            title=f"Melding {n}",
            description="Omschrijving",
            priority=Priority.P3,
            requested_priority=Priority.P3,
            requester=org.contact,
            assignee=org.staff if n % 2 else None,
            agreement=org.agreement,
            created_at=now - timedelta(minutes=n),
            updated_at=now,
            last_activity_at=now,
            opened_at=now,
        )
        for n in range(1, count)
    )
    SlaClock.objects.bulk_create(
        SlaClock(
            issue=issue,
            kind=clock.kind,
            state=clock.state,
            target_seconds=clock.target_seconds,
            started_at=clock.started_at,
            resumed_at=clock.resumed_at,
            due_at=clock.due_at + timedelta(minutes=n),
            warn_at=clock.warn_at,
            next_check_at=clock.next_check_at,
            snapshot=clock.snapshot,
        )
        for n, issue in enumerate(issues)
        for clock in clocks
    )
    for issue in issues:
        sla_issue_refresh(issue_id=issue.pk)
    return [template, *issues]


@pytest.mark.parametrize("per_page", [1, 20, 100])
def test_queue_takes_the_same_queries_for_any_page_size(
    per_page, staff_client, org, monkeypatch, django_assert_num_queries
):
    bulk_issues(org, 100)
    monkeypatch.setattr(admin.site._registry[Issue], "list_per_page", per_page)

    # session, user, two for permissions, groups, the assignee, client and team filters
    # choices, count, page, clocks, and the access log of the rows shown
    with django_assert_num_queries(11 + audit_inserts(per_page)):
        response = staff_client.get(QUEUE)

    assert len(response.context["cl"].result_list) == per_page


def test_queue_shows_open_issues_nearest_to_a_breach_first(staff_client, org):
    later = issue_file(org, title="Later")
    sooner = issue_file(org, title="Sooner")
    done = issue_file(org, title="Done")
    clock_set(later, due_at=timezone.now() + timedelta(hours=5))
    clock_set(sooner, due_at=timezone.now() + timedelta(minutes=5))
    services.issue_change_status(issue=done, actor=org.staff, status=Status.RESOLVED)

    response = staff_client.get(QUEUE)

    assert listed(response) == [sooner.reference, later.reference]


def test_queue_row_shows_the_sla_countdowns_in_colour(staff_client, org):
    issue = issue_file(org)
    clock_set(issue, ClockKind.RESPONSE, due_at=timezone.now() - timedelta(minutes=10))

    response = staff_client.get(QUEUE)

    assert 'class="sla sla--breached"' in response.text
    assert 'class="sla sla--on_track"' in response.text
    assert issue.client.code in response.text


def test_all_statuses_on_request(staff_client, org):
    issue = issue_file(org)
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.CLOSED)

    assert listed(staff_client.get(QUEUE)) == []
    assert listed(staff_client.get(QUEUE, {"status": "all"})) == [issue.reference]
    assert listed(staff_client.get(QUEUE, {"status": "closed"})) == [issue.reference]


def test_assignee_filter_mine_unassigned_and_a_colleague(staff_client, staff, org):
    colleague = StaffFactory(username="collega")
    org.client.team.members.add(colleague)
    mine, nobodys, theirs = issue_file(org), issue_file(org), issue_file(org)
    services.issue_assign(issue=mine, actor=staff, assignee=staff)
    services.issue_assign(issue=theirs, actor=staff, assignee=colleague)

    assert listed(staff_client.get(QUEUE, {"assignee": "mine"})) == [mine.reference]
    assert listed(staff_client.get(QUEUE, {"assignee": "none"})) == [nobodys.reference]
    assert listed(staff_client.get(QUEUE, {"assignee": colleague.pk})) == [theirs.reference]


@pytest.mark.parametrize(
    ("health", "fields"),
    [
        ("breached", {"due_at": -1}),
        ("at_risk", {"warn_at": -1, "due_at": 1}),
        ("paused", {"resumed_at": None, "due_at": None, "warn_at": None}),
        ("met", {"stopped_at": -1, "state": ClockState.MET}),
    ],
)
def test_sla_filter(health, fields, staff_client, org):
    plain, special = issue_file(org), issue_file(org)
    hour = timedelta(hours=1)
    now = timezone.now()
    values = {
        key: now + value * hour if isinstance(value, int) and key != "state" else value
        for key, value in fields.items()
    }
    SlaClock.objects.filter(issue=special, kind=ClockKind.RESPONSE).delete()
    clock_set(special, **values)

    assert listed(staff_client.get(QUEUE, {"sla": health})) == [special.reference]
    assert plain.reference in listed(staff_client.get(QUEUE, {"sla": "on_track"}))


def test_breaching_within_an_hour(staff_client, org):
    soon, later, breached = issue_file(org), issue_file(org), issue_file(org)
    now = timezone.now()
    for issue in (soon, later, breached):
        clock_set(issue, ClockKind.RESPONSE, due_at=now + timedelta(days=2))
        clock_set(issue, due_at=now + timedelta(days=2))
    clock_set(soon, due_at=now + timedelta(minutes=30))
    clock_set(breached, due_at=now - timedelta(minutes=30))

    assert listed(staff_client.get(QUEUE, {"sla": "due_soon"})) == [soon.reference]


def test_priority_category_client_and_date_filters(staff_client, org):
    urgent = issue_file(org, priority=Priority.P1, category=Category.QUESTION)
    normal = issue_file(org)
    Issue.objects.filter(pk=normal.pk).update(created_at=timezone.now() - timedelta(days=40))

    assert listed(staff_client.get(QUEUE, {"priority__exact": "P1"})) == [urgent.reference]
    assert listed(staff_client.get(QUEUE, {"category__exact": "question"})) == [urgent.reference]
    assert len(listed(staff_client.get(QUEUE, {"client": org.client.pk}))) == 2
    assert len(listed(staff_client.get(QUEUE, {"team": org.client.team.pk}))) == 2
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    recent = staff_client.get(QUEUE, {"created_at__gte": str(midnight - timedelta(days=7))})
    assert listed(recent) == [urgent.reference]


def test_quick_links_are_offered_and_marked(staff_client, org):
    response = staff_client.get(QUEUE, {"assignee": "mine"})

    links = {str(link["label"]): link for link in response.context["quick_links"]}
    assert set(links) == {
        "Open issues of my teams",
        "My open issues",
        "Unassigned in my teams",
        "Breaching within 1 hour",
    }
    assert links["My open issues"]["active"]
    assert not links["Open issues of my teams"]["active"]


def test_each_countdown_says_its_clock_and_shows_its_deadline_as_a_date(staff_client, org):
    issue = issue_file(org)
    due = timezone.now() + timedelta(days=2)
    clock_set(issue, ClockKind.RESOLUTION, due_at=due)

    response = staff_client.get(QUEUE)

    assert "business hours" in response.text
    assert f"Deadline {when_long(due)}, counted in business hours" in response.text


def test_a_round_the_clock_countdown_says_24_7(staff_client, org):
    issue = issue_file(org)
    clock = SlaClock.objects.get(issue=issue, kind=ClockKind.RESPONSE)
    clock.snapshot = {**clock.snapshot, "is_round_the_clock": True}
    clock.save(update_fields=["snapshot"])

    response = staff_client.get(QUEUE)

    assert "counted in 24/7" in response.text


def test_the_filters_fold_into_a_bar_above_the_queue(staff_client, org):
    issue_file(org)

    response = staff_client.get(QUEUE)

    assert '<details class="queue-filters"' in response.text
    assert response.text.index("queue-filters") < response.text.index('id="result_list"')
