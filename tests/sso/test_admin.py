"""Administrators set up identity providers; the issuer's configuration is read when saved."""

import pytest

from audit.models import AuditAction, AuditEntry
from sso.models import IdentityProvider
from tests.factories import ClientFactory, StaffFactory
from tests.organisations import give_role

pytestmark = pytest.mark.django_db

ADD = "/admin/sso/identityprovider/add/"


def _form(**changes) -> dict:
    data = {
        "name": "Gemeente A",
        "client": "",
        "is_active": "on",
        "issuer": "",
        "oidc_client_id": "portal-a",
        "oidc_client_secret": "secret of a",
        "email_domains": "gemeente-a.nl\n@Loket.Gemeente-A.nl",
        "identities-TOTAL_FORMS": "0",
        "identities-INITIAL_FORMS": "0",
        "identities-MIN_NUM_FORMS": "0",
        "identities-MAX_NUM_FORMS": "0",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def admin_browser(client, administrator):
    client.force_login(administrator)
    return client


def test_saving_a_provider_reads_its_endpoints_from_the_issuer(admin_browser, oidc_provider):
    gemeente = ClientFactory(code="GMA")

    answer = admin_browser.post(
        ADD, _form(client=gemeente.pk, issuer=oidc_provider.issuer, creates_contacts="on")
    )

    assert answer.status_code == 302
    provider = IdentityProvider.objects.get()
    assert provider.email_domains == ["gemeente-a.nl", "loket.gemeente-a.nl"]
    assert provider.token_endpoint == oidc_provider.issuer + "/token"
    assert provider.jwks_uri == oidc_provider.issuer + "/jwks"
    assert provider.end_session_endpoint == oidc_provider.issuer + "/end-session"
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="sso.identityprovider")
    assert (entry.object_repr, entry.client_id) == ("Gemeente A", gemeente.pk)


def test_an_issuer_whose_configuration_names_another_is_refused(admin_browser, oidc_provider):
    answer = admin_browser.post(ADD, _form(issuer=oidc_provider.url + "/openid/"))

    assert answer.status_code == 200
    assert "names another issuer" in answer.content.decode()
    assert not IdentityProvider.objects.exists()


def test_an_issuer_that_does_not_answer_is_refused_with_the_reason(admin_browser):
    answer = admin_browser.post(ADD, _form(issuer="http://127.0.0.1:9/openid"))

    assert "Could not read the configuration at http://127.0.0.1:9/openid/" in (
        answer.content.decode()
    )
    assert not IdentityProvider.objects.exists()


def test_a_domain_logs_in_with_one_provider_only(admin_browser, oidc_provider):
    admin_browser.post(ADD, _form(issuer=oidc_provider.issuer))

    answer = admin_browser.post(
        ADD, _form(name="Other", issuer=oidc_provider.issuer, email_domains="GEMEENTE-A.nl")
    )

    assert "gemeente-a.nl already log in with Gemeente A" in answer.content.decode()
    assert IdentityProvider.objects.count() == 1


def test_a_staff_provider_never_creates_accounts(admin_browser, oidc_provider):
    answer = admin_browser.post(ADD, _form(issuer=oidc_provider.issuer, creates_contacts="on"))

    assert "staff accounts are made by hand" in answer.content.decode()


def test_a_malformed_domain_is_a_form_error(admin_browser, oidc_provider):
    answer = admin_browser.post(ADD, _form(issuer=oidc_provider.issuer, email_domains="not a@@"))

    assert "is not a domain name" in answer.content.decode()


def test_the_secret_is_kept_when_left_empty_and_never_shown(admin_browser, oidc_provider):
    admin_browser.post(ADD, _form(issuer=oidc_provider.issuer))
    provider = IdentityProvider.objects.get()
    change = f"/admin/sso/identityprovider/{provider.pk}/change/"

    assert "secret of a" not in admin_browser.get(change).content.decode()
    admin_browser.post(change, _form(issuer=oidc_provider.issuer, oidc_client_secret=""))

    provider.refresh_from_db()
    assert provider.oidc_client_secret == "secret of a"


def test_only_administrators_manage_identity_providers(client, org):
    lead = give_role(StaffFactory(), "Team leads")
    for person in (org.staff, lead):
        client.force_login(person)
        assert client.get(ADD).status_code == 403
        assert client.get("/admin/sso/identityprovider/").status_code == 403
