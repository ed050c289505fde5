"""Bulk actions on the queue: each issue through the services, each result reported."""

from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import StaffFactory
from tests.portal.helpers import issue_file
from tickets import services
from tickets.choices import Priority, Status
from tickets.models import EventKind

QUEUE = reverse("admin:tickets_issue_changelist")


def act(client, action: str, issues, *, url: str = QUEUE, **data):
    payload = {"action": action, helpers.ACTION_CHECKBOX_NAME: [i.pk for i in issues], **data}
    return client.post(url, payload)


def apply(client, action: str, issues, **data):
    """Confirm an action on its intermediate page, with the versions that page showed."""
    versions = {f"version-{i.pk}": i.version for i in issues}
    return act(client, action, issues, apply="1", **versions, **data)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_assign_to_me(staff_client, staff, org):
    first, second = issue_file(org), issue_file(org)

    response = act(staff_client, "assign_to_me", [first, second])

    assert response.status_code == 302
    for issue in (first, second):
        issue.refresh_from_db()
        assert issue.assignee == staff
    (message,) = texts(response)
    assert message.startswith("Assigned 2 issues to you: ")
    assert first.reference in message and second.reference in message


def test_assign_to_me_reports_the_issue_it_could_not_assign(client, administrator, org):
    issue = issue_file(org)
    client.force_login(administrator)

    response = act(client, "assign_to_me", [issue])

    issue.refresh_from_db()
    assert issue.assignee is None
    assert texts(response) == [
        f"{issue.reference} was not changed: {administrator} is not on the team of this client."
    ]


def test_assign_to_a_team_member_asks_whom_then_assigns(staff_client, org):
    colleague = StaffFactory(username="collega")
    org.client.team.members.add(colleague)
    issue = issue_file(org)

    page = act(staff_client, "assign_to_member", [issue])
    assert page.status_code == 200
    assert colleague in page.context["form"].fields["assignee"].queryset

    response = apply(staff_client, "assign_to_member", [issue], assignee=colleague.pk)

    issue.refresh_from_db()
    assert issue.assignee == colleague
    assert texts(response) == [f"Assigned 1 issue to {colleague}: {issue.reference}."]


def test_change_status_moves_what_may_move_and_reports_the_rest(staff_client, staff, org):
    new, closed = issue_file(org), issue_file(org)
    services.issue_change_status(issue=closed, actor=staff, status=Status.CLOSED)
    closed.refresh_from_db()

    page = act(staff_client, "change_status", [new, closed], url=f"{QUEUE}?status=all")
    assert page.status_code == 200
    response = apply(
        staff_client, "change_status", [new, closed], url=f"{QUEUE}?status=all", status="resolved"
    )

    new.refresh_from_db()
    closed.refresh_from_db()
    assert new.status == Status.RESOLVED
    assert closed.status == Status.CLOSED
    messages = texts(response)
    assert messages[0] == f"Changed the status of 1 issue: {new.reference}."
    assert messages[1].startswith(f"{closed.reference} was not changed: An issue cannot go")


def test_change_priority_requires_a_reason(staff_client, org):
    issue = issue_file(org)

    page = apply(staff_client, "change_priority", [issue], priority=Priority.P2, reason="")

    assert page.status_code == 200
    assert page.context["form"].errors["reason"]
    issue.refresh_from_db()
    assert issue.priority == Priority.P3


def test_change_priority_records_the_reason(staff_client, org):
    issue = issue_file(org)

    apply(staff_client, "change_priority", [issue], priority=Priority.P2, reason="Meer gebruikers")

    issue.refresh_from_db()
    assert issue.priority == Priority.P2
    event = issue.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert event.data["reason"] == "Meer gebruikers"


def test_bulk_change_made_after_the_confirmation_page_was_shown_is_a_conflict(
    staff_client, staff, org
):
    issue = issue_file(org)
    seen = issue.version
    services.issue_assign(issue=issue, actor=staff, assignee=staff)

    response = act(
        staff_client,
        "change_status",
        [issue],
        apply="1",
        status=Status.TRIAGED,
        **{f"version-{issue.pk}": seen},
    )

    issue.refresh_from_db()
    assert issue.status == Status.NEW
    assert "Someone else changed this issue" in texts(response)[0]


def test_merge_duplicates_asks_which_to_keep_then_merges(staff_client, org):
    keep, duplicate = issue_file(org), issue_file(org)

    page = act(staff_client, "merge_duplicates", [keep, duplicate])
    assert page.status_code == 200
    response = apply(staff_client, "merge_duplicates", [keep, duplicate], target=keep.pk)

    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED
    assert texts(response) == [f"Merged {duplicate.reference} into {keep.reference}."]


def test_merge_needs_two_issues_of_one_client(client, administrator, org, other_org):
    client.force_login(administrator)
    one, other = issue_file(org), issue_file(other_org)

    alone = act(client, "merge_duplicates", [one])
    assert texts(alone) == ["Choose at least two issues to merge."]
    mixed = act(client, "merge_duplicates", [one, other])
    # The first answer's message is still waiting to be shown, as the redirect was not followed.
    assert texts(mixed)[-1] == "Only issues of one client can be merged; nothing was changed."
    other.refresh_from_db()
    assert other.status == Status.NEW
