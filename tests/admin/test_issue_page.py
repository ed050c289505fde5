"""The issue page: conversation, history, clocks, followers, and changes through the services."""

from django.core import mail
from django.urls import reverse

from tests.factories import StaffFactory
from tests.organisations import give_role
from tests.portal.helpers import issue_file, pdf, png
from tickets import services
from tickets.choices import Priority, Status
from tickets.models import Comment, EventKind


def page_url(issue) -> str:
    return reverse("admin:tickets_issue_change", args=[issue.pk])


def post(client, issue, action: str, **data):
    return client.post(page_url(issue), {"_action": action, **data})


def test_page_shows_conversation_history_clocks_followers_and_files(staff_client, staff, org):
    issue = issue_file(org, files=[png("scherm.png")])
    services.comment_create(issue=issue, author=staff, body="We kijken ernaar.")
    services.comment_create(issue=issue, author=staff, body="Proxy verdacht.", is_internal=True)

    response = staff_client.get(page_url(issue))

    assert response.status_code == 200
    text = response.text
    assert "We kijken ernaar." in text and "Proxy verdacht." in text
    assert text.count('class="message message--note"') == 1
    assert "Internal note: not shown to the client" in text
    assert "First response" in text and "Resolution" in text
    assert "SLA clocks started" in text
    assert str(org.contact) in text
    attachment = issue.attachments.get()
    assert reverse("admin:tickets_issue_attachment", args=[attachment.pk]) in text
    assert f'name="status-version" value="{issue.version}"' in text


def test_public_reply_reaches_the_client_and_stops_the_first_response_clock(
    staff_client, org, django_capture_on_commit_callbacks
):
    issue = issue_file(org)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(staff_client, issue, "reply", **{"reply-body": "Opgelost in 2.4.1."})

    assert response.status_code == 302
    comment = Comment.objects.get(issue=issue)
    assert not comment.is_internal
    assert [m.to for m in mail.outbox] == [[org.contact.email]]
    assert issue.sla_clocks.get(kind="response").stopped_at is not None


def test_internal_note_with_a_file_stays_inside_the_team(
    staff_client, org, django_capture_on_commit_callbacks
):
    issue = issue_file(org)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        post(staff_client, issue, "note", **{"note-body": "Logs.", "note-attachments": pdf()})

    comment = Comment.objects.get(issue=issue)
    assert comment.is_internal
    assert comment.attachments.get().is_internal
    assert mail.outbox == []


def test_empty_reply_is_refused_on_the_page(staff_client, org):
    issue = issue_file(org)

    response = post(staff_client, issue, "reply", **{"reply-body": ""})

    assert response.status_code == 200
    assert response.context["forms"]["reply"].errors["body"]
    assert not Comment.objects.filter(issue=issue).exists()


def test_status_priority_and_assignee_change_through_the_page(staff_client, staff, org):
    issue = issue_file(org)

    post(staff_client, issue, "status", **{"status-status": "triaged", "status-version": 1})
    post(
        staff_client,
        issue,
        "priority",
        **{"priority-priority": "P2", "priority-reason": "Veel gebruikers", "priority-version": 2},
    )
    post(staff_client, issue, "assign_me", **{"assign-version": 3})

    issue.refresh_from_db()
    assert (issue.status, issue.priority, issue.assignee) == (Status.TRIAGED, Priority.P2, staff)
    assert issue.events.filter(channel="admin").count() == 3


def test_conflicting_edits_are_told_not_overwritten(client, staff_client, org):
    colleague = give_role(StaffFactory(username="collega"), "Team members")
    org.client.team.members.add(colleague)
    issue = issue_file(org)
    seen = issue.version
    client.force_login(colleague)
    post(client, issue, "status", **{"status-status": "in_progress", "status-version": seen})

    response = post(
        staff_client, issue, "status", **{"status-status": "resolved", "status-version": seen}
    )

    assert response.status_code == 409
    assert "Someone else changed this issue" in response.text
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS
    form = response.context["forms"]["status"]
    assert form["version"].value() == str(issue.version)
    assert form["status"].value() == "resolved"


def test_priority_change_without_a_reason_is_refused(staff_client, org):
    issue = issue_file(org)

    response = post(
        staff_client, issue, "priority", **{"priority-priority": "P2", "priority-version": 1}
    )

    assert response.context["forms"]["priority"].errors["reason"]
    issue.refresh_from_db()
    assert issue.priority == Priority.P3


def test_service_refusal_lands_on_the_field(staff_client, org):
    issue = issue_file(org)

    response = post(staff_client, issue, "status", **{"status-status": "new", "status-version": 1})

    assert response.status_code == 400
    assert response.context["forms"]["status"].errors["status"] == [
        "The issue already has this status."
    ]


def test_follow_add_and_remove_followers(staff_client, staff, org):
    issue = issue_file(org)

    post(staff_client, issue, "follow")
    post(staff_client, issue, "watch", **{"watch-watcher": org.admin.pk})
    post(staff_client, issue, "unfollow", watcher=org.contact.pk)

    assert set(issue.watchers.all()) == {staff, org.admin}
    kinds = list(issue.events.filter(kind__startswith="watcher").values_list("kind", flat=True))
    assert kinds == [EventKind.WATCHER_ADDED, EventKind.WATCHER_ADDED, EventKind.WATCHER_REMOVED]


def test_unknown_action_changes_nothing(staff_client, org):
    issue = issue_file(org)

    response = post(staff_client, issue, "delete")

    assert response.status_code == 400
    issue.refresh_from_db()
    assert issue.version == 1


def test_merged_issue_points_to_where_it_went(staff_client, staff, org):
    keep, duplicate = issue_file(org), issue_file(org)
    services.issue_merge(target=keep, sources=[duplicate], actor=staff)

    response = staff_client.get(page_url(duplicate))

    assert "This issue was merged into" in response.text
    assert page_url(keep) in response.text


def test_page_takes_the_same_queries_for_a_short_and_a_long_conversation(
    staff_client, staff, org, django_assert_num_queries
):
    short, long = issue_file(org), issue_file(org)
    for issue, count in ((short, 1), (long, 12)):
        for n in range(count):
            services.comment_create(
                issue=issue, author=staff, body=f"Bericht {n}", is_internal=n % 2, files=[png()]
            )
    staff_client.get(page_url(short))

    # A fixed number, however long the conversation and however many files it holds.
    for issue in (short, long):
        # 17 to show the page, one to log what it showed.
        with django_assert_num_queries(18):
            staff_client.get(page_url(issue))


def test_page_shows_the_out_of_hours_escalation_with_its_frozen_policy(staff_client, org):
    from oncall.models import Escalation

    issue = issue_file(org)
    Escalation.objects.create(
        issue=issue,
        snapshot={"policy": {"name": "Standaard-beleid"}, "steps": []},
        started_at=issue.created_at,
        step_due_at=issue.created_at,
        due_at=issue.created_at,
    )
    page = staff_client.get(page_url(issue)).content.decode()
    assert "Out-of-hours escalation" in page
    assert "Standaard-beleid" in page
