"""The portal in a real browser: log in, file an issue with a file, find it, reply, isolation."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import chromium
from tests.browser.chromium import BROWSER_MARKS, CHROMIUM
from tests.portal.helpers import issue_file, organisation

# tests/security imports Chromium's path and the fixture from here.
__all__ = ["CHROMIUM", "PASSWORD", "browser"]
browser = chromium.browser

PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = BROWSER_MARKS


def _page_for(browser, live_server, *, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    return context.new_page()


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/issues/")


@pytest.fixture
def organisations(transactional_db):
    """Two clients, the first with a few issues already.

    Written before Playwright starts: its sync API switches greenlets, each with its own
    context, and a database connection opened from the test body in that context would
    outlive the test and keep PostgreSQL from dropping the test database.
    """
    org = organisation("VRB")
    org.client.name = "Gemeente Vreeburg"
    org.client.save(update_fields=["name"])
    for title, priority in [
        ("Export naar CSV mist de kolom datum", "P3"),
        ("Inloggen met eHerkenning mislukt", "P1"),
        ("Logo in e-mails is onscherp", "P4"),
    ]:
        issue_file(org, title=title, priority=priority)
    return org, organisation("ZWL")


def test_a_contact_files_an_issue_finds_it_replies_and_others_cannot_see_it(
    live_server, organisations, browser, tmp_path
):
    org, other = organisations
    screenshot = tmp_path / "scherm.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    page = _page_for(browser, live_server)
    _log_in(page, live_server, org.contact.username)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="File an issue").click()
    page.get_by_label("Title").fill("Zaaksysteem geeft fout 500 bij openen zaak")
    page.get_by_label("Description").fill("Stappen:\n\n1. Open een zaak\n2. Zie **fout 500**")
    page.get_by_label("Application or module").fill("Zaaksysteem")
    expectation = page.locator("#expected-response")
    before = expectation.inner_text()
    page.get_by_label("P2 high").check()
    # The script follows the chosen level before anything is sent.
    assert expectation.inner_text() != before
    assert expectation.inner_text().startswith("Filed now, you can expect our first response by")
    page.get_by_label("Attachments").set_input_files(str(screenshot))
    page.get_by_role("button", name="File issue").click()
    page.wait_for_url(f"{live_server.url}/issues/VRB-*/")
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    assert f"filed as {reference}" in page.locator(".messages").inner_text()
    assert page.get_by_role("link", name="scherm.png").is_visible()
    issue_url = page.url

    page.get_by_role("link", name="Issues", exact=True).click()
    row = page.get_by_role("row").filter(has_text=reference)
    assert row.get_by_role("link", name="Zaaksysteem geeft fout 500 bij openen zaak").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "issue-list.png"), full_page=True)

    page.goto(issue_url)
    page.get_by_label("Your reply").fill("Het gebeurt ook in de testomgeving.")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_url(issue_url)
    assert (
        page.locator(".conversation")
        .get_by_text("Het gebeurt ook in de testomgeving.")
        .is_visible()
    )

    # A second click while a form is on its way does nothing: the button is disabled.
    add_files = page.locator("form[data-submit-once]").filter(has_text="Reply or add files")
    add_files.evaluate("form => form.addEventListener('submit', e => e.preventDefault())")
    add_files.get_by_role("button", name="Send reply").click()
    submit = add_files.locator("button[type=submit]")
    # The script disables it right after the submit event, on the next turn of the loop.
    from playwright.sync_api import expect

    expect(submit).to_be_disabled()
    assert submit.inner_text() == "Sending…"

    stranger = _page_for(browser, live_server)
    _log_in(stranger, live_server, other.contact.username)
    response = stranger.goto(issue_url)
    assert response.status == 404
    assert reference not in stranger.content()
