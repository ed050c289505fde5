"""A client sees that its urgent issue paged the on-call service, and when it was taken."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oncall.models import EscalationState, Page
from paqt_support.dates import when_short
from tests.factories import EscalationFactory, StaffFactory
from tests.portal.helpers import issue_file, log_in


@pytest.fixture
def paged(org):
    """A P1 paged to an engineer who acknowledged it twelve minutes later."""
    issue = issue_file(org, priority="P1")
    engineer = StaffFactory(username="piket", first_name="Petra", last_name="Piket")
    sent_at = timezone.now() - timedelta(minutes=30)
    escalation = EscalationFactory(
        issue=issue,
        state=EscalationState.ACKNOWLEDGED,
        started_at=sent_at,
        ended_at=sent_at + timedelta(minutes=12),
        acknowledged_by=engineer,
    )
    Page.objects.create(escalation=escalation, step_index=0, recipient=engineer, sent_at=sent_at)
    return issue, escalation


def _page(client, issue) -> str:
    response = client.get(reverse("portal:issue-detail", args=[issue.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_client_sees_when_the_on_call_service_was_alerted_and_acknowledged(client, org, paged):
    issue, escalation = paged

    html = _page(log_in(client, org.contact), issue)

    assert f"The on-call service was alerted on {when_short(escalation.started_at)}." in html
    assert f"acknowledged it on {when_short(escalation.ended_at)}" in html
    assert "Petra" not in html


def test_names_are_shown_only_when_the_provider_switches_that_on(client, org, paged, settings):
    settings.PORTAL_SHOWS_ONCALL_NAMES = True
    issue, _escalation = paged

    html = _page(log_in(client, org.contact), issue)

    assert "The on-call engineer Petra Piket was alerted on" in html
    assert "Petra Piket acknowledged it on" in html


def test_a_page_not_yet_acknowledged_says_so(client, org, paged):
    issue, escalation = paged
    escalation.state = EscalationState.CANCELLED
    escalation.save(update_fields=["state"])

    html = _page(log_in(client, org.contact), issue)

    assert "Not acknowledged yet." in html


def test_an_issue_never_paged_says_nothing_of_the_on_call_service(client, org):
    html = _page(log_in(client, org.contact), issue_file(org, priority="P1"))

    assert "on-call service" not in html
