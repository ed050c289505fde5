"""Single sign-on against a real OpenID Connect provider: who may log in, and as whom."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user
from django.contrib.messages import get_messages
from django.test import Client as Browser

from audit.models import AuditAction, AuditEntry
from sso.models import ExternalIdentity
from tests.factories import ClientFactory, ContactFactory, StaffFactory
from tests.sso.identity_provider import callback_path, log_in, refusal

pytestmark = pytest.mark.django_db


def test_the_login_page_offers_the_login_of_the_addresss_organisation(client, provider_a):
    page = client.get("/accounts/login/")
    assert 'action="/accounts/sso/"' in page.content.decode()

    offer = client.post("/accounts/sso/", {"email": "Anna@Gemeente-A.nl", "next": "/issues/"})

    html = offer.content.decode()
    assert "Log in with Gemeente A" in html
    assert f"/accounts/sso/{provider_a.pk}/start/?login_hint=Anna%40Gemeente-A.nl" in html
    assert "next=%2Fissues%2F" in html


def test_an_address_without_an_organisation_login_gets_a_form_error(client, provider_a):
    answer = client.post("/accounts/sso/", {"email": "someone@elsewhere.nl"})

    assert answer.status_code == 200
    assert "No organisation login is set up for this address" in answer.content.decode()
    assert 'aria-describedby="id_email_error"' in answer.content.decode()


def test_the_login_goes_to_the_provider_with_state_nonce_and_pkce(client, provider_a):
    start = client.get(f"/accounts/sso/{provider_a.pk}/start/", {"login_hint": "a@gemeente-a.nl"})

    query = parse_qs(urlsplit(start["Location"]).query)
    assert start["Location"].startswith(provider_a.authorization_endpoint + "?")
    assert query["client_id"] == ["portal-a"]
    assert query["redirect_uri"] == ["http://testserver/accounts/sso/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["login_hint"] == ["a@gemeente-a.nl"]
    assert {"state", "nonce", "code_challenge"} <= query.keys()


def test_a_first_login_links_the_contact_with_that_verified_address(
    client, oidc_provider, provider_a, gemeente_a
):
    anna = ContactFactory(client=gemeente_a, username="anna.a", email="anna@gemeente-a.nl")

    answer, _ = log_in(client, oidc_provider, provider_a, "anna", next_url="/issues/")

    assert answer.status_code == 302 and answer["Location"] == "/issues/"
    assert get_user(client) == anna
    assert ExternalIdentity.objects.get(provider=provider_a).user == anna


def test_a_linked_person_is_found_by_the_providers_subject_not_the_address(
    client, oidc_provider, provider_a, gemeente_a
):
    anna = ContactFactory(client=gemeente_a, username="anna.a", email="anna@gemeente-a.nl")
    log_in(client, oidc_provider, provider_a, "anna")
    client.logout()
    anna.email = "anna.oud@gemeente-a.nl"
    anna.save()

    log_in(client, oidc_provider, provider_a, "anna")

    assert get_user(client) == anna


def test_a_first_login_creates_a_contact_when_the_client_allows_it(
    client, oidc_provider, provider_a, gemeente_a
):
    provider_a.creates_contacts = True
    provider_a.save()

    log_in(client, oidc_provider, provider_a, "nieuw")

    user = get_user(client)
    assert user.is_authenticated
    assert (user.client, user.email, user.first_name) == (
        gemeente_a,
        "nieuw@gemeente-a.nl",
        "Nieuw",
    )
    assert not user.is_staff and not user.has_usable_password()


def test_an_unknown_person_is_refused_when_the_client_does_not_create_accounts(
    client, oidc_provider, provider_a
):
    answer, _ = log_in(client, oidc_provider, provider_a, "nieuw")

    assert "There is no account for nieuw@gemeente-a.nl" in refusal(answer, client)
    assert not ExternalIdentity.objects.exists()


def test_an_address_of_another_domain_is_refused(client, oidc_provider, provider_a, gemeente_a):
    provider_a.creates_contacts = True
    provider_a.save()
    ContactFactory(client=ClientFactory(code="GMB"), email="bert@gemeente-b.nl")

    answer, _ = log_in(client, oidc_provider, provider_a, "bert")

    assert "that address is not of its domains" in refusal(answer, client)
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1


def test_another_clients_account_is_never_linked(client, oidc_provider, provider_a):
    provider_a.creates_contacts = True
    provider_a.save()
    ContactFactory(client=ClientFactory(code="GMB"), email="carla@gemeente-a.nl")

    answer, _ = log_in(client, oidc_provider, provider_a, "carla")

    assert "There is no account for carla@gemeente-a.nl" in refusal(answer, client)
    assert not ExternalIdentity.objects.exists()


def test_a_clients_provider_never_logs_in_staff(client, oidc_provider, provider_a):
    StaffFactory(email="stan@gemeente-a.nl")

    answer, _ = log_in(client, oidc_provider, provider_a, "stan")

    assert "There is no account for stan@gemeente-a.nl" in refusal(answer, client)


def test_an_address_the_provider_did_not_verify_is_refused(
    client, oidc_provider, provider_a, gemeente_a
):
    ContactFactory(client=gemeente_a, email="uma@gemeente-a.nl")

    answer, _ = log_in(client, oidc_provider, provider_a, "uma")

    assert "has not verified the email address" in refusal(answer, client)


def test_a_token_from_another_issuer_is_refused(client, oidc_provider, provider_a, gemeente_a):
    ContactFactory(client=gemeente_a, email="anna@gemeente-a.nl")
    provider_a.issuer = oidc_provider.url + "/another-issuer"
    provider_a.save()

    answer, _ = log_in(client, oidc_provider, provider_a, "anna")

    assert "another issuer" in refusal(answer, client)


def test_a_replayed_state_is_refused(client, oidc_provider, provider_a, gemeente_a):
    ContactFactory(client=gemeente_a, email="anna@gemeente-a.nl")
    _, callback = log_in(client, oidc_provider, provider_a, "anna")

    again = client.get(callback)
    elsewhere = Browser()
    stolen = elsewhere.get(callback)

    for answer in (again, stolen):
        assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
        messages = " ".join(str(m) for m in get_messages(answer.wsgi_request))
        assert "already used, has expired or began elsewhere" in messages
    assert not get_user(elsewhere).is_authenticated


def test_a_deactivated_contact_cannot_log_in_through_the_provider(
    client, oidc_provider, provider_a, gemeente_a
):
    anna = ContactFactory(client=gemeente_a, email="anna@gemeente-a.nl")
    log_in(client, oidc_provider, provider_a, "anna")
    client.logout()
    anna.is_active = False
    anna.save()

    answer, _ = log_in(client, oidc_provider, provider_a, "anna")

    assert "There is no account" in refusal(answer, client)


def test_a_switched_off_client_has_no_organisation_login(client, provider_a, gemeente_a):
    gemeente_a.is_active = False
    gemeente_a.save()

    assert client.get(f"/accounts/sso/{provider_a.pk}/start/").status_code == 404
    offer = client.post("/accounts/sso/", {"email": "anna@gemeente-a.nl"})
    assert "No organisation login is set up" in offer.content.decode()


def test_anonymising_a_contact_removes_their_link_to_the_provider(
    client, oidc_provider, provider_a, gemeente_a, administrator
):
    from accounts.services import user_anonymise

    anna = ContactFactory(client=gemeente_a, email="anna@gemeente-a.nl")
    log_in(client, oidc_provider, provider_a, "anna")

    user_anonymise(user=anna, actor=administrator)

    assert not ExternalIdentity.objects.exists()


def test_a_provider_that_refuses_the_code_is_a_clear_refusal(
    client, oidc_provider, provider_a, gemeente_a
):
    ContactFactory(client=gemeente_a, email="anna@gemeente-a.nl")
    provider_a.oidc_client_secret = "not the secret"
    provider_a.save()

    answer, _ = log_in(client, oidc_provider, provider_a, "anna")

    assert "Gemeente A did not answer as expected" in refusal(answer, client)


def test_a_provider_that_is_down_at_the_callback_is_a_clear_refusal(
    client, oidc_provider, provider_a, gemeente_a
):
    ContactFactory(client=gemeente_a, email="anna@gemeente-a.nl")
    start = client.get(f"/accounts/sso/{provider_a.pk}/start/")
    back = oidc_provider.log_in(start["Location"], "anna")
    provider_a.token_endpoint = "http://127.0.0.1:9/openid/token"
    provider_a.save()

    answer = client.get(callback_path(back))

    assert "Gemeente A did not answer as expected" in refusal(answer, client)
