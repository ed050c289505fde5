"""With the keyboard alone: file an issue, reply to it and acknowledge a page, focus in sight."""

import re

from tests.browser.chromium import BROWSER_MARKS, new_context

pytestmark = BROWSER_MARKS

# The focused element shows it: an outline or a ring of box-shadow, not the default's absence.
FOCUS_IS_VISIBLE = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return false;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outline || (style.boxShadow !== '' && style.boxShadow !== 'none');
}"""
FOCUSED = "() => document.activeElement.outerHTML.slice(0, 120)"
MOST_TABS = 60


def _tab_to(page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus, checking that every stop shows its focus."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_IS_VISIBLE), f"no visible focus on {page.evaluate(FOCUSED)}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached in {MOST_TABS} presses of Tab")


def _page(browser, live_server, *, session: str | None = None):
    return new_context(browser, live_server, language="en", session=session).new_page()


def test_a_contact_files_and_replies_and_an_engineer_acknowledges_with_the_keyboard_alone(
    live_server, walk, browser
):
    page = _page(browser, live_server, session=walk.contact_session)
    page.goto(f"{live_server.url}/issues/")

    _tab_to(page, "nav a[href='/issues/new/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "#id_title")
    page.keyboard.type("Zaaksysteem traag bij zoeken")
    _tab_to(page, "#id_description")
    page.keyboard.type("Zoeken op BSN duurt meer dan een minuut.")
    _tab_to(page, "input[name=priority]")
    page.keyboard.press("Space")
    # Arrow keys move through the choices of a radio group and select as they go.
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.checked")
    _tab_to(page, "form[action='/issues/new/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/issues/VRB-\d{4}-\d+/$", page.url), page.url
    assert "Zaaksysteem traag bij zoeken" in page.locator("h1").inner_text()

    _tab_to(page, "#id_body")
    page.keyboard.type("Het gebeurt ook in de testomgeving.")
    _tab_to(page, "form[action$='/reply/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    reply = page.locator(".conversation").get_by_text("Het gebeurt ook in de testomgeving.")
    assert reply.is_visible()

    engineer = _page(browser, live_server)
    engineer.goto(live_server.url + walk.acknowledge_paths[0])
    _tab_to(engineer, "main form button[type=submit]")
    with engineer.expect_navigation():
        engineer.keyboard.press("Enter")
    assert engineer.locator("h1").inner_text() == "Page acknowledged"
