"""What the portal added to the issue services and selectors: one issue per form, and search."""

import uuid

import pytest

from paqt_support.exceptions import ApplicationError
from tests.portal.helpers import issue_file
from tickets import selectors, services
from tickets.models import Issue
from tickets.services import filing


def test_a_submission_token_files_one_issue_only(org):
    token = uuid.uuid4()
    first = issue_file(org, submission_token=token)
    with pytest.raises(services.DuplicateSubmissionError) as raised:
        issue_file(org, submission_token=token, title="Nog een keer")
    assert raised.value.issue == first
    assert raised.value.code == "duplicate-submission"
    assert Issue.objects.count() == 1


def test_a_token_that_races_past_the_check_is_caught_by_the_constraint(org, monkeypatch):
    token = uuid.uuid4()
    first = issue_file(org, submission_token=token)
    real = filing._issue_for_token
    calls = []

    def blind_first_time(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(filing, "_issue_for_token", blind_first_time)
    with pytest.raises(services.DuplicateSubmissionError) as raised:
        issue_file(org, submission_token=token)
    assert raised.value.issue == first
    assert Issue.objects.count() == 1


def test_a_token_of_another_requester_is_refused(org):
    token = uuid.uuid4()
    issue_file(org, submission_token=token)
    with pytest.raises(ApplicationError) as raised:
        issue_file(org, requester=org.admin, submission_token=token)
    assert not isinstance(raised.value, services.DuplicateSubmissionError)


def test_issues_without_a_token_never_collide(org):
    issue_file(org)
    issue_file(org)
    assert Issue.objects.filter(submission_token=None).count() == 2


def test_search_selector_is_scoped_to_the_users_client(org, other_org):
    own = issue_file(org, title="Gedeelde titel")
    issue_file(other_org, title="Gedeelde titel")
    found = selectors.issue_search_for_user(user=org.contact, query="gedeelde")
    assert list(found) == [own]


def test_an_unknown_ordering_falls_back_to_newest_first(org):
    older = issue_file(org)
    newer = issue_file(org)
    found = selectors.issue_search_for_user(user=org.contact, ordering="; drop table")
    assert list(found) == [newer, older]


def test_public_history_leaves_out_the_teams_bookkeeping(org):
    issue = issue_file(org)
    services.issue_assign(issue=issue, actor=org.staff, assignee=org.staff)
    services.comment_create(issue=issue, author=org.staff, body="Antwoord")
    kinds = [e.kind for e in selectors.event_list_public_history(issue=issue, user=org.contact)]
    assert kinds == ["created"]
