"""The issue list: scoping, search, filters, sort, pagination, SLA columns and query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sla.models import SlaClock
from tests.factories import IssueFactory
from tests.portal.helpers import issue_file, log_in
from tickets import services
from tickets.choices import Status
from tickets.models import Issue

LIST = reverse("portal:issue-list")


@pytest.fixture
def logged_in(client, org):
    return log_in(client, org.contact)


def _references(response) -> list[str]:
    return [issue.reference for issue, _health in response.context["rows"]]


def test_home_sends_a_contact_to_the_issue_list(logged_in):
    response = logged_in.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url == LIST


def test_home_sends_staff_to_the_admin(client, org):
    client.force_login(org.staff)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_list_sends_staff_to_the_admin(client, org):
    client.force_login(org.staff)
    assert client.get(LIST).url == reverse("admin:index")


def test_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_list_shows_only_the_own_organisations_issues(logged_in, org, other_org):
    own = issue_file(org)
    foreign = issue_file(other_org)
    response = logged_in.get(LIST)
    assert _references(response) == [own.reference]
    assert foreign.reference not in response.content.decode()


def test_list_shows_sla_due_times_of_each_issue(logged_in, org):
    issue = issue_file(org, priority="P2")
    response = logged_in.get(LIST)
    clocks = {c.kind: c for c in SlaClock.objects.filter(issue=issue)}
    html = response.content.decode()
    for kind in ("response", "resolution"):
        due = clocks[kind].due_at
        assert f'datetime="{due.isoformat()}"' in html
    assert "On track" in html or "At risk" in html or "Breached" in html


def test_search_matches_reference_title_and_description(logged_in, org):
    by_title = issue_file(org, title="Koppeling met BRP faalt")
    by_text = issue_file(org, title="Iets anders", description="De BRP-koppeling geeft 503")
    other = issue_file(org, title="Logo onscherp", description="Alleen in e-mails")
    assert set(_references(logged_in.get(LIST, {"q": "brp"}))) == {
        by_title.reference,
        by_text.reference,
    }
    assert _references(logged_in.get(LIST, {"q": other.reference.lower()})) == [other.reference]


def test_filters_on_status_and_priority(logged_in, org):
    urgent = issue_file(org, priority="P1")
    normal = issue_file(org, priority="P3")
    services.issue_change_status(issue=normal, actor=org.staff, status=Status.IN_PROGRESS)
    assert _references(logged_in.get(LIST, {"priority": "P1"})) == [urgent.reference]
    assert _references(logged_in.get(LIST, {"status": ["in_progress", "resolved"]})) == [
        normal.reference
    ]


def test_mine_keeps_issues_requested_or_watched_by_me(logged_in, org):
    mine = issue_file(org)
    watched = issue_file(org, requester=org.admin)
    services.issue_watch(issue=watched, actor=org.contact, watcher=org.contact)
    issue_file(org, requester=org.admin)
    found = _references(logged_in.get(LIST, {"mine": "on"}))
    assert sorted(found) == sorted([mine.reference, watched.reference])


def test_sorts_by_reference_and_priority(logged_in, org):
    first = issue_file(org, priority="P4")
    second = issue_file(org, priority="P1")
    assert _references(logged_in.get(LIST, {"sort": "reference"})) == [
        first.reference,
        second.reference,
    ]
    assert _references(logged_in.get(LIST, {"sort": "priority"})) == [
        second.reference,
        first.reference,
    ]


def test_pages_hold_fifty_issues(logged_in, org):
    IssueFactory.create_batch(51, client=org.client, requester=org.contact)
    first = logged_in.get(LIST)
    second = logged_in.get(LIST, {"page": 2})
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 1
    assert 'rel="next"' in first.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"priority": "P9"},
        {"sort": "password"},
        {"page": "abc"},
        {"page": "99999"},
        {"q": "x" * 500},
        {"mine": "maybe"},
    ],
)
def test_bad_query_strings_answer_with_a_page(logged_in, org, query):
    issue_file(org)
    response = logged_in.get(LIST, query)
    assert response.status_code == 200


def test_invalid_filter_is_named_on_the_page(logged_in, org):
    response = logged_in.get(LIST, {"priority": "P9"})
    assert "P9" in response.content.decode()


def _bulk_issues(org, count: int) -> None:
    """Write ``count`` issues with two SLA clocks each, fast, copying a filed issue's clocks."""
    template = issue_file(org)
    clocks = list(SlaClock.objects.filter(issue=template))
    now = timezone.now()
    issues = Issue.objects.bulk_create(
        Issue(
            client=org.client,
            reference=f"{org.client.code}-2020-{n:05d}",
            year=2020,
            sequence=n,
            title=f"Melding {n}",
            description="Bulk",
            priority="P3",
            requested_priority="P3",
            requester=org.contact,
            created_at=now,
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
            used_seconds=clock.used_seconds,
            started_at=clock.started_at,
            resumed_at=clock.resumed_at,
            due_at=clock.due_at,
            warn_at=clock.warn_at,
            next_check_at=clock.next_check_at,
            snapshot=clock.snapshot,
        )
        for issue in issues
        for clock in clocks
    )


# Session, user, the user's client (header), count, page of issues, their SLA clocks,
# and one insert into the access log of what the page showed.
LIST_QUERIES = 7


@pytest.mark.parametrize("count", [1, 50])
def test_list_costs_a_fixed_number_of_queries(logged_in, org, count, django_assert_num_queries):
    _bulk_issues(org, count)
    with django_assert_num_queries(LIST_QUERIES):
        response = logged_in.get(LIST)
    assert len(response.context["rows"]) == count


def test_list_costs_the_same_queries_with_ten_thousand_issues(
    logged_in, org, django_assert_num_queries
):
    _bulk_issues(org, 10_000)
    with django_assert_num_queries(LIST_QUERIES):
        response = logged_in.get(LIST, {"sort": "-updated", "mine": "on"})
    assert response.context["page"].paginator.count == 10_000
    assert len(response.context["rows"]) == 50
