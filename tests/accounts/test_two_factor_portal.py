"""Two-factor authentication for client contacts: by choice, or because their organisation asks."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.two_factor.views import SETUP_KEY
from api.services import api_token_create
from clients.models import Client
from tests.portal.helpers import log_in
from tests.security.test_xss import executable_parts
from tests.two_factor import app_code, app_for, login_with_second_factor, recovery_codes_for

PASSWORD = "correct horse battery"
ISSUES = reverse("portal:issue-list")
SECURITY = reverse("accounts:security")
SETUP = reverse("accounts:two-factor-setup")
VERIFY = reverse("accounts:two-factor-verify")
ORGANISATION = reverse("accounts:client-two-factor")


def _set_up_app(client) -> TOTPDevice:
    """Go through the setup page as the logged-in person; return the app they confirmed."""
    client.get(SETUP)
    key = client.session[SETUP_KEY]
    response = client.post(SETUP, {"code": app_code(TOTPDevice(key=key)), "next": SECURITY})
    assert response.status_code == 200, response.context["form"].errors
    return TOTPDevice.objects.get(key=key)


def _log_in_with_password(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def test_a_contact_is_not_asked_for_a_code_until_they_switch_it_on(client, org):
    log_in(client, org.contact)
    page = client.get(SECURITY)
    assert client.get(ISSUES).status_code == 200
    assert "Off: you log in with your password alone." in page.text
    assert f'href="{SETUP}?next={SECURITY}"' in page.text


def test_the_user_menu_links_to_the_security_page(client, org):
    log_in(client, org.contact)
    assert f'href="{SECURITY}"' in client.get(ISSUES).text


def test_a_contact_switches_it_on_and_is_asked_for_the_code_at_every_login(client, org):
    log_in(client, org.contact)
    device = _set_up_app(client)
    assert "On: after your password" in client.get(SECURITY).text
    client.post(reverse("logout"))

    logged_in = _log_in_with_password(client, org.contact)
    asked = client.get(logged_in["Location"])
    verified = client.post(VERIFY, {"code": app_code(device, steps_ahead=1), "next": ISSUES})

    assert asked.status_code == 302 and asked["Location"].startswith(VERIFY)
    assert verified["Location"] == ISSUES
    assert client.get(ISSUES).status_code == 200


def test_a_contact_with_an_app_must_enter_the_code_before_the_portal(client, org):
    app_for(org.contact)
    log_in(client, org.contact)
    response = client.get(ISSUES)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={ISSUES}"


def test_a_contact_session_without_the_code_gets_403_from_the_api(client, org):
    app_for(org.contact)
    log_in(client, org.contact)
    response = client.get("/api/v1/issues")
    assert response.status_code == 403
    assert response.json()["code"] == "second-factor-required"


def test_a_contact_switches_it_off_with_a_current_code(client, org):
    device = app_for(org.contact)
    recovery_codes_for(org.contact)
    login_with_second_factor(client, org.contact)

    response = client.post(reverse("accounts:two-factor-disable"), {"off-code": app_code(device)})

    assert response["Location"] == SECURITY
    assert not TOTPDevice.objects.filter(user=org.contact).exists()
    assert not StaticDevice.objects.filter(user=org.contact).exists()
    assert "Two-factor authentication is off" in client.get(SECURITY).text


def test_switching_it_off_with_a_wrong_code_keeps_it_on(client, org):
    device = app_for(org.contact)
    login_with_second_factor(client, org.contact)
    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("accounts:two-factor-disable"), {"off-code": wrong})

    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert TOTPDevice.objects.filter(user=org.contact).exists()


def test_staff_cannot_switch_it_off(client, org):
    device = app_for(org.staff)
    login_with_second_factor(client, org.staff)

    page = client.get(SECURITY)
    response = client.post(reverse("accounts:two-factor-disable"), {"off-code": app_code(device)})

    assert "Your account must keep two-factor authentication." in page.text
    assert reverse("accounts:two-factor-disable") not in page.text
    assert "Your account must keep two-factor authentication." in response.text
    assert TOTPDevice.objects.filter(user=org.staff).exists()


def test_new_recovery_codes_replace_the_old_ones(client, org):
    device = app_for(org.contact)
    old = recovery_codes_for(org.contact)
    login_with_second_factor(client, org.contact)

    response = client.post(
        reverse("accounts:recovery-codes-renew"), {"renew-code": app_code(device)}
    )

    new = list(StaticDevice.objects.get(user=org.contact).token_set.values_list("token", flat=True))
    assert response.status_code == 200
    assert len(new) == 10 and all(code in response.text for code in new)
    assert not set(old) & set(new)
    assert "Your old recovery codes no longer work." in response.text


# --- The client admin's rule --------------------------------------------------------------


def test_a_client_admin_sees_the_organisation_switch(client, org):
    log_in(client, org.admin)
    page = client.get(SECURITY)
    assert f'action="{ORGANISATION}"' in page.text
    assert "Everyone in your organisation must use two-factor authentication" in page.text


def test_a_contact_sees_no_organisation_switch_and_cannot_use_it(client, org):
    log_in(client, org.contact)
    assert ORGANISATION not in client.get(SECURITY).text
    assert client.post(ORGANISATION, {"requires_two_factor": "on"}).status_code == 404
    assert not Client.objects.get(pk=org.client.pk).requires_two_factor


def test_when_the_client_admin_requires_it_contacts_must_set_it_up_first(client, org, other_org):
    log_in(client, org.admin)
    switched = client.post(ORGANISATION, {"requires_two_factor": "on"})
    contact = log_in(client.__class__(), org.contact)
    outsider = log_in(client.__class__(), other_org.contact)

    assert switched["Location"] == SECURITY
    assert Client.objects.get(pk=org.client.pk).requires_two_factor
    assert contact.get(ISSUES)["Location"] == f"{SETUP}?next={ISSUES}"
    assert client.get(SECURITY)["Location"] == f"{SETUP}?next={SECURITY}"
    assert outsider.get(ISSUES).status_code == 200


def test_a_contact_who_must_use_it_reaches_the_portal_after_setting_it_up(client, org):
    Client.objects.filter(pk=org.client.pk).update(requires_two_factor=True)
    log_in(client, org.contact)
    assert "Your account asks for a second step" in client.get(SETUP).text

    _set_up_app(client)

    assert client.get(ISSUES).status_code == 200


def test_a_contact_who_must_use_it_cannot_switch_it_off(client, org):
    Client.objects.filter(pk=org.client.pk).update(requires_two_factor=True)
    device = app_for(org.contact)
    login_with_second_factor(client, org.contact)

    response = client.post(reverse("accounts:two-factor-disable"), {"off-code": app_code(device)})

    assert "Your account must keep two-factor authentication." in response.text
    assert TOTPDevice.objects.filter(user=org.contact).exists()


def test_the_client_admin_makes_it_a_choice_again(client, org):
    Client.objects.filter(pk=org.client.pk).update(requires_two_factor=True)
    login_with_second_factor(client, org.admin)

    response = client.post(ORGANISATION, {}, follow=True)

    assert not Client.objects.get(pk=org.client.pk).requires_two_factor
    assert "Two-factor authentication is now a choice" in response.text
    assert log_in(client.__class__(), org.contact).get(ISSUES).status_code == 200


@pytest.mark.parametrize("page", ["security", "two-factor-setup", "two-factor-verify"])
def test_the_pages_ask_a_stranger_to_log_in(client, db, page):
    response = client.get(reverse(f"accounts:{page}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_pages_run_nothing_inline_under_the_content_security_policy(client, org):
    """No inline script or style: the policy allows neither (tests/security/test_headers.py)."""
    Client.objects.filter(pk=org.client.pk).update(requires_two_factor=True)
    log_in(client, org.admin)
    pages = [client.get(SETUP)]
    device = TOTPDevice(key=client.session[SETUP_KEY])
    pages.append(client.post(SETUP, {"code": app_code(device)}))
    pages.append(client.get(SECURITY))
    client.post(reverse("logout"))
    log_in(client, org.admin)
    pages.append(client.get(VERIFY))

    for page in pages:
        assert page.status_code == 200
        assert executable_parts(page.text) == []
        assert " style=" not in page.text and "<style" not in page.text
        assert "'unsafe-inline'" not in page["Content-Security-Policy"]


def test_a_token_of_a_contact_who_must_use_it_but_has_no_app_is_refused(org):
    _token, secret = api_token_create(user=org.contact, name="script")
    Client.objects.filter(pk=org.client.pk).update(requires_two_factor=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    refused = api.get("/api/v1/issues")
    app_for(org.contact)
    accepted = api.get("/api/v1/issues")

    assert refused.status_code == 403
    assert refused.json()["code"] == "second-factor-required"
    assert accepted.status_code == 200
