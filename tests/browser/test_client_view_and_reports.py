"""In a browser: the client's view of a paged issue, and the yearly evaluation for both sides."""

from datetime import timedelta

import pytest
from django.utils import timezone

from oncall.models import EscalationState, Page
from tests.browser.test_portal_flow import (
    SCREENSHOTS,
    _log_in,
    _page_for,
    browser,  # noqa: F401 - a fixture
)
from tests.browser.test_portal_flow import pytestmark as browser_marks
from tests.browser.test_workspace import _log_in_to_admin
from tests.factories import ContactFactory, EscalationFactory, StaffFactory, TeamFactory
from tests.portal.helpers import issue_file, organisation
from tests.sla.test_evaluation import seeded_year

pytestmark = browser_marks

WIDTHS = [1280, 390]


@pytest.fixture
def paged(transactional_db):
    """A P1 that paged the on-call engineer at night, acknowledged nine minutes later."""
    org = organisation("VRB")
    issue = issue_file(org, title="Zaaksysteem onbereikbaar", priority="P1")
    engineer = StaffFactory(username="piket", first_name="Petra", last_name="Piket")
    sent_at = timezone.now() - timedelta(minutes=20)
    escalation = EscalationFactory(
        issue=issue,
        state=EscalationState.ACKNOWLEDGED,
        started_at=sent_at,
        ended_at=sent_at + timedelta(minutes=9),
        acknowledged_by=engineer,
    )
    Page.objects.create(escalation=escalation, step_index=0, recipient=engineer, sent_at=sent_at)
    return org, issue


@pytest.fixture
def evaluated(transactional_db):
    """The seeded year of tests/sla/test_evaluation.py, a contact and a team member."""
    client, _issues = seeded_year()
    contact = ContactFactory(client=client, username="lezer")
    # The roles' groups come from a data migration, which a transactional test flushes.
    staff = StaffFactory(username="evaluator", is_superuser=True)
    TeamFactory(client=client, members=[staff])
    return client, contact, staff


@pytest.mark.parametrize("width", WIDTHS)
def test_the_client_sees_that_the_on_call_service_took_its_paged_issue(
    live_server,
    paged,
    browser,  # noqa: F811
    width,
):
    org, issue = paged
    page = _page_for(browser, live_server, width=width)
    _log_in(page, live_server, org.contact.username)

    page.goto(f"{live_server.url}/issues/{issue.reference}/")

    paging = page.locator(".paging")
    assert paging.is_visible()
    assert "The on-call service was alerted on" in paging.inner_text()
    assert "acknowledged it on" in paging.inner_text()
    assert "Petra" not in page.content()
    if width == 390:
        # On a phone the status and deadlines come before the conversation.
        side = page.locator(".issue-meta").bounding_box()
        conversation = page.locator("#conversation-title").bounding_box()
        assert side["y"] < conversation["y"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"client-paged-issue-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_contact_reads_the_yearly_evaluation_with_its_charts(
    live_server,
    evaluated,
    browser,  # noqa: F811
    width,
):
    _client, contact, _staff = evaluated
    page = _page_for(browser, live_server, width=width)
    _log_in(page, live_server, contact.username)

    page.goto(f"{live_server.url}/organisation/evaluation/2025/")

    charts = page.get_by_role("img")
    assert charts.count() == 5
    assert page.get_by_role("img", name="Targets met per month").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"evaluation-client-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_read_the_yearly_evaluation_with_its_charts(
    live_server,
    evaluated,
    browser,  # noqa: F811
    width,
):
    client, _contact, staff = evaluated
    page = _page_for(browser, live_server, width=width)
    _log_in_to_admin(page, live_server, staff.username)

    page.goto(f"{live_server.url}/sla/report/{client.code}/2025/")

    assert page.get_by_role("img", name="Targets met per priority").is_visible()
    assert page.get_by_role("row").filter(has_text="Productie geraakt").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"evaluation-staff-{width}.png"), full_page=True)


@pytest.mark.parametrize(("width", "folded"), [(1280, False), (390, True)])
def test_the_issue_lists_filters_are_folded_on_a_phone(
    live_server,
    paged,
    browser,  # noqa: F811
    width,
    folded,
):
    org, _issue = paged
    page = _page_for(browser, live_server, width=width)
    _log_in(page, live_server, org.contact.username)

    assert page.locator(".filters__groups").is_visible() is not folded
    assert page.get_by_role("row").nth(1).is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"issue-list-{width}.png"))
