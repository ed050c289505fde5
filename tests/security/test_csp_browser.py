"""The Content-Security-Policy in Chromium: the pages people use break none of its rules."""

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.browser.test_portal_flow import CHROMIUM, PASSWORD, _page_for, browser  # noqa: F401
from tests.portal.helpers import issue_file, organisation
from tickets import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed"),
]


@pytest.fixture
def issue(transactional_db):
    """An issue with a reply, written before Playwright starts (see tests/browser)."""
    org = organisation("VRB")
    # The roles' groups come from a data migration, which a transactional test flushes.
    org.staff.is_superuser = True
    org.staff.save(update_fields=["is_superuser"])
    issue = issue_file(org, description="Zie **fout 500** en [de log](https://example.org/log).")
    services.comment_create(issue=issue, author=org.staff, body="We kijken ernaar.")
    return issue


def _watch_violations(page) -> list[str]:
    """Collect what Chromium refuses under the policy, as it reports it on the console."""
    violations: list[str] = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", note)
    return violations


def _log_in(page, live_server, path: str, username: str, then: str) -> None:
    page.goto(f"{live_server.url}{path}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{live_server.url}{then}")


def _set_up_second_factor(page, live_server, then: str) -> None:
    """On the setup page the login led to, add the app as a person would, by its key."""
    page.wait_for_load_state("networkidle")
    assert page.locator("img[src$='qr.svg']").evaluate("image => image.naturalWidth") > 0
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill(f"{totp(b32decode(secret)):06d}")
    page.get_by_label("Code from your app").press("Enter")
    page.get_by_role("link", name="I have saved them, continue").click()
    page.wait_for_url(f"{live_server.url}{then}")


def test_portal_pages_keep_to_the_policy(live_server, issue, browser, settings):  # noqa: F811
    settings.AXES_ENABLED = True
    page = _page_for(browser, live_server)
    violations = _watch_violations(page)

    _log_in(page, live_server, "/accounts/login/", issue.requester.username, "/issues/")
    for path in ("/issues/new/", f"/issues/{issue.reference}/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # The priority script runs: the policy lets our own script in.
    page.goto(f"{live_server.url}/issues/new/")
    page.locator("input[name=priority]").first.check()
    assert page.locator("#expected-response").inner_text().startswith("Filed now")

    assert violations == []


def test_admin_and_staff_pages_keep_to_the_policy(live_server, issue, browser, settings):  # noqa: F811
    settings.AXES_ENABLED = True
    staff = issue.client.team.members.get()
    page = _page_for(browser, live_server)
    violations = _watch_violations(page)

    setup = "/accounts/two-factor/setup/?next=/admin/"
    _log_in(page, live_server, "/admin/login/?next=/admin/", staff.username, setup)
    _set_up_second_factor(page, live_server, "/admin/")
    for path in (
        "/admin/tickets/issue/",
        f"/admin/tickets/issue/{issue.pk}/change/",
        "/oncall/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")

    assert violations == []


def test_the_api_documentation_renders_under_its_own_policy(live_server, issue, browser):  # noqa: F811
    page = _page_for(browser, live_server)
    violations = _watch_violations(page)

    page.goto(f"{live_server.url}/api/v1/docs")
    page.get_by_text("PAQT Support API").first.wait_for()

    # Redoc's "powered by" logo comes from its CDN; refusing it is the policy doing its work.
    outside_logo = "Loading the image 'https://cdn.redoc.ly/"
    assert [v for v in violations if not v.startswith(outside_logo)] == []
