"""Staff through the provider's own identity provider, the second factor, and logging out."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user

from tests.factories import ContactFactory, StaffFactory
from tests.sso.identity_provider import log_in, refusal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_factor_enforced(settings):
    settings.TWO_FACTOR_ENFORCED = True


def test_staff_whose_token_says_mfa_need_no_code_here(client, oidc_provider, staff_provider):
    sam = StaffFactory(email="sam@paqt.example")

    answer, _ = log_in(client, oidc_provider, staff_provider, "sam")

    assert answer["Location"] == "/admin/"
    assert get_user(client) == sam
    assert client.get("/admin/").status_code == 200


def test_staff_without_mfa_in_the_token_still_give_their_code_here(
    client, oidc_provider, staff_provider
):
    StaffFactory(email="sven@paqt.example")

    log_in(client, oidc_provider, staff_provider, "sven")

    page = client.get("/admin/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/two-factor/setup/")


def test_mfa_in_the_token_counts_only_where_the_provider_is_trusted_with_it(
    client, oidc_provider, staff_provider
):
    staff_provider.trusts_second_factor = False
    staff_provider.save()
    StaffFactory(email="sam@paqt.example")

    log_in(client, oidc_provider, staff_provider, "sam")

    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_staff_provider_never_logs_in_a_contact(client, oidc_provider, staff_provider):
    ContactFactory(email="sven@paqt.example")

    answer, _ = log_in(client, oidc_provider, staff_provider, "sven")

    assert "There is no account for sven@paqt.example" in refusal(answer, client)


def test_the_staff_provider_never_creates_an_account(client, oidc_provider, staff_provider):
    answer, _ = log_in(client, oidc_provider, staff_provider, "sven")

    assert "There is no account" in refusal(answer, client)


def test_the_admin_login_offers_the_staff_provider(client, staff_provider):
    page = client.get("/admin/login/?next=/admin/")

    html = page.content.decode()
    assert "Log in with PAQT" in html
    assert f"/accounts/sso/{staff_provider.pk}/start/?next=/admin/" in html


def test_logout_ends_the_session_at_the_identity_provider(client, oidc_provider, staff_provider):
    StaffFactory(email="sam@paqt.example")
    log_in(client, oidc_provider, staff_provider, "sam")

    page = client.post("/admin/logout/")

    assert page.status_code == 200
    assert not get_user(client).is_authenticated
    assert "no-store" in page["Cache-Control"]
    remote = page.context["logout_url"]
    query = parse_qs(urlsplit(remote).query)
    assert remote.startswith(staff_provider.end_session_endpoint + "?")
    assert query["post_logout_redirect_uri"] == ["http://testserver/admin/login/"]
    assert query["id_token_hint"]
    assert f'http-equiv="refresh" content="0;url={remote.replace("&", "&amp;")}"' in (
        page.content.decode()
    )
    back = oidc_provider.browser.get(remote, allow_redirects=False, timeout=10)
    assert back.headers["Location"] == "http://testserver/admin/login/"
    # The provider's session is gone: a new login there asks for the password again.
    start = client.get(f"/accounts/sso/{staff_provider.pk}/start/")
    again = oidc_provider.browser.get(start["Location"], allow_redirects=False, timeout=10)
    assert again.headers["Location"].startswith("/login/")


def test_a_password_logout_is_not_sent_to_any_provider(client, staff_provider):
    client.force_login(ContactFactory())

    page = client.post("/accounts/logout/")

    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/"
