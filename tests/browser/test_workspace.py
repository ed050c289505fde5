"""The staff's workspace in a browser: the queue's countdowns without scrolling, the dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from oncall.models import EscalationState, RotaMember
from tests.browser.test_portal_flow import (
    PASSWORD,
    SCREENSHOTS,
    _page_for,
    browser,  # noqa: F401 - a fixture
)
from tests.browser.test_portal_flow import pytestmark as browser_marks
from tests.factories import EscalationFactory, RotaLayerFactory, StaffFactory
from tests.portal.helpers import issue_file, organisation
from tickets import services
from tickets.models import Issue

pytestmark = browser_marks


@pytest.fixture
def workspace(transactional_db):
    """A lead on two clients' teams with a queue of issues, an escalation and a rota.

    Written before Playwright starts, for the reason ``test_portal_flow.organisations`` gives.
    """
    # The roles' groups come from a data migration, which a transactional test flushes.
    lead = StaffFactory(
        username="teamlead", first_name="Lotte", last_name="Leider", is_superuser=True
    )
    for code, name in (("VRB", "Gemeente Vreeburg"), ("ZWL", "Gemeente Zwaluwe")):
        org = organisation(code)
        org.client.name = name
        org.client.save(update_fields=["name"])
        org.client.team.members.add(lead)
        for n, priority in enumerate(["P1", "P2", "P3", "P3", "P4"]):
            issue = issue_file(
                org,
                title=f"Koppeling met het zaaksysteem geeft een foutmelding bij het opslaan {n}",
                priority=priority,
            )
            if n % 2:
                services.issue_assign(issue=issue, actor=org.staff, assignee=org.staff)
    now = timezone.now()
    EscalationFactory(
        issue=issue,
        state=EscalationState.ACTIVE,
        due_at=now + timedelta(minutes=5),
        step_due_at=now,
    )
    RotaMember.objects.create(layer=RotaLayerFactory(rota__name="DevOps"), user=lead)
    return lead


def _log_in_to_admin(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_queue_shows_its_countdowns_without_scrolling_sideways(
    live_server,
    workspace,
    browser,  # noqa: F811
    width,
):
    page = _page_for(browser, live_server, width=width)
    _log_in_to_admin(page, live_server, workspace.username)

    page.goto(f"{live_server.url}/admin/tickets/issue/")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"queue-{width}.png"), full_page=True)
    if width == 1280:
        box = page.locator("#changelist-form .results")
        assert box.evaluate("el => el.scrollWidth <= el.clientWidth")
        countdown = page.locator("#result_list .field-resolution_sla .sla").first
        assert countdown.is_visible()
        assert "business hours" in countdown.inner_text()
        assert countdown.get_attribute("title").startswith("Deadline ")
        assert page.locator("#result_list th.column-assignee_name").is_visible()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_dashboard_is_the_admins_start_page(live_server, workspace, browser, width):  # noqa: F811
    page = _page_for(browser, live_server, width=width)
    _log_in_to_admin(page, live_server, workspace.username)

    assert page.get_by_role("heading", name="Open issues per client").is_visible()
    assert page.get_by_role("row").filter(has_text="Gemeente Zwaluwe").is_visible()
    assert page.get_by_text("Lotte Leider").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}.png"), full_page=True)


@pytest.fixture
def issue_pk(workspace):
    """An issue of the lead's teams, looked up before Playwright starts."""
    return Issue.objects.filter(client__team__members=workspace).values_list("pk", flat=True)[0]


def test_the_issue_pages_sidebar_stays_at_the_top_after_a_message(
    live_server,
    workspace,
    issue_pk,
    browser,  # noqa: F811
):
    page = _page_for(browser, live_server, width=1280)
    _log_in_to_admin(page, live_server, workspace.username)
    page.goto(f"{live_server.url}/admin/tickets/issue/{issue_pk}/change/")

    page.get_by_role("button", name="Assign to me").click()
    page.wait_for_load_state()

    assert page.locator(".messagelist").is_visible()
    side = page.locator(".issue-side").bounding_box()
    main = page.locator(".issue-main").bounding_box()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "issue-page-after-message-1280.png"), full_page=True)
    assert abs(side["y"] - main["y"]) < 5
