"""Single sign-on in a real browser: from the login page to the provider and back, and out."""

import re

import pytest

from tests.browser.chromium import BROWSER_MARKS, new_context
from tests.factories import ClientFactory, ContactFactory
from tests.sso.identity_provider import APPLICATIONS, identity_provider_create, provider_running

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="session")
def provider_for_the_browser(live_server):
    with provider_running(
        redirect_uris=[live_server.url + "/accounts/sso/callback/"],
        after_logout=[live_server.url + "/accounts/login/"],
    ) as provider:
        yield provider


@pytest.fixture
def anna(transactional_db, provider_for_the_browser):
    """A contact of Gemeente A, whose own provider logs her in; written before the browser."""
    gemeente = ClientFactory(code="GMA", name="Gemeente A")
    identity_provider_create(
        provider_for_the_browser,
        name="Gemeente A",
        client=gemeente,
        oidc_client_id="portal-a",
        oidc_client_secret=APPLICATIONS["portal-a"],
        email_domains=["gemeente-a.nl"],
    )
    return ContactFactory(
        client=gemeente, first_name="Anna", last_name="Jansen", email="anna@gemeente-a.nl"
    )


def test_a_contact_logs_in_at_her_organisation_and_out_of_both(
    live_server, browser, provider_for_the_browser, anna
):
    provider_url = provider_for_the_browser.url
    context = new_context(browser, live_server, language="nl")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_sso_email", "anna@gemeente-a.nl")
    page.get_by_role("button", name="Doorgaan").click()
    page.get_by_role("link", name="Inloggen met Gemeente A").click()

    page.wait_for_url(re.compile(re.escape(provider_url) + "/login/"))
    page.fill("#id_username", "anna")
    page.fill("#id_password", "provider password")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(re.compile(re.escape(live_server.url) + "/issues/"))
    assert "Anna Jansen" in page.content()

    page.locator('form[action="/accounts/logout/"]').evaluate("form => form.requestSubmit()")
    # The logout page sends the browser to the provider, which sends it back to log in.
    page.wait_for_url(live_server.url + "/accounts/login/")
    page.fill("#id_sso_email", "anna@gemeente-a.nl")
    page.get_by_role("button", name="Doorgaan").click()
    page.get_by_role("link", name="Inloggen met Gemeente A").click()
    # Logged out there too: the provider asks for the password again.
    page.wait_for_url(re.compile(re.escape(provider_url) + "/login/"))
    context.close()
