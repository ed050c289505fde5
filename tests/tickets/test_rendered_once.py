"""Markdown is rendered once, when written: the worst text at full length costs pages and
emails no more than any other text of that length."""

import pytest
from django.test import Client
from django.urls import reverse

from mail.models import OutboxMessage
from tests.factories import ContactFactory
from tests.organisations import give_role
from tests.portal.helpers import issue_file, log_in
from tests.steps import counting_steps
from tickets import services
from tickets.models import Comment, Issue
from tickets.notifications import issue_created_notify, issue_update_notify

# One of the slowest inputs benchmarks/markdown_render.py finds, and ordinary prose, at the longest
# allowed.
WORST = ("[](![" * services.BODY_MAX)[: services.BODY_MAX]
PLAIN = ("Het zaaksysteem geeft een foutmelding bij het openen. " * 400)[: services.BODY_MAX]
# Rendering the worst text takes millions of steps; a page that only shows stored HTML
# takes the same as for prose, give or take what the different words cost to escape.
SAME_WORK = 1.2


def _steps(action) -> int:
    action()  # Once uncounted, so that caches filled on first use count in neither run.
    with counting_steps() as count:
        action()
    return count.steps


def _at_most_as_costly(worst_action, plain_action) -> None:
    budget = int(_steps(plain_action) * SAME_WORK)
    # The first run may fill caches, but it too ends early when it renders the text.
    with counting_steps(budget=3 * budget):
        worst_action()
    with counting_steps(budget=budget) as worst:
        worst_action()
    assert worst.steps <= budget


@pytest.fixture
def replies(org):
    """Two issues of the client, each with one reply of the longest length: worst and prose.

    A colleague follows both, so that each reply is mailed.
    """
    worst = issue_file(org, title="Worst")
    plain = issue_file(org, title="Plain")
    colleague = ContactFactory(client=org.client)
    for issue in (worst, plain):
        services.issue_watch(issue=issue, actor=colleague, watcher=colleague, watch=True)
    services.comment_create(issue=worst, author=org.contact, body=WORST)
    services.comment_create(issue=plain, author=org.contact, body=PLAIN)
    return worst, plain


def test_the_reply_is_stored_rendered_and_sanitised(org):
    issue = issue_file(org, description="**vet** <b>x</b>")
    comment = services.comment_create(issue=issue, author=org.contact, body="*schuin*")
    assert Issue.objects.get(pk=issue.pk).description_html == (
        "<p><strong>vet</strong> &lt;b&gt;x&lt;/b&gt;</p>\n"
    )
    assert Comment.objects.get(pk=comment.pk).body_html == "<p><em>schuin</em></p>\n"


def test_an_issue_page_with_the_worst_reply_costs_what_any_page_costs(org, replies):
    worst, plain = replies
    browser = log_in(Client(), org.contact)

    def page(issue):
        response = browser.get(reverse("portal:issue-detail", args=[issue.reference]))
        assert response.status_code == 200

    _at_most_as_costly(lambda: page(worst), lambda: page(plain))


def test_the_admin_issue_page_with_the_worst_reply_costs_what_any_page_costs(org, replies):
    worst, plain = replies
    browser = Client()
    browser.force_login(give_role(org.staff, "Team members"))

    def page(issue):
        response = browser.get(reverse("admin:tickets_issue_change", args=[issue.pk]))
        assert response.status_code == 200

    _at_most_as_costly(lambda: page(worst), lambda: page(plain))


def test_new_issue_emails_with_the_worst_description_cost_what_any_email_costs(org):
    worst = issue_file(org, description=WORST)
    plain = issue_file(org, description=PLAIN)

    def notify(issue):
        # Forgotten each time, so that every run composes the mail anew.
        OutboxMessage.objects.filter(issue=issue).delete()
        assert issue_created_notify(issue=issue) >= 1

    _at_most_as_costly(lambda: notify(worst), lambda: notify(plain))


def test_reply_emails_with_the_worst_reply_cost_what_any_email_costs(org, replies):
    worst, plain = replies

    def notify(issue):
        assert issue_update_notify(event=issue.events.filter(kind="commented").get()) == 1

    _at_most_as_costly(lambda: notify(worst), lambda: notify(plain))
