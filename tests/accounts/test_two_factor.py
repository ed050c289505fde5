"""Two-factor authentication for staff: the admin, the API and its tokens, and the reset."""

from base64 import b32encode
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.two_factor.services import second_factor_reset
from accounts.two_factor.views import SETUP_KEY
from api.problems import PROBLEM_CONTENT_TYPE
from api.services import api_token_create
from audit.models import AuditAction, AuditEntry
from paqt_support.exceptions import ApplicationError, NotAllowedError
from tests.factories import StaffFactory
from tests.organisations import give_role
from tests.two_factor import app_code, app_for, login_with_second_factor, recovery_codes_for

PASSWORD = "correct horse battery"
ADMIN = reverse("admin:index")
SETUP = reverse("accounts:two-factor-setup")
VERIFY = reverse("accounts:two-factor-verify")


@pytest.fixture
def staff(org):
    return give_role(org.staff, "Team members")


@pytest.fixture
def administrator(db):
    return give_role(StaffFactory(username="beheer"), "Administrators")


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _problem(response) -> dict:
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return response.json()


# --- Reaching the admin -------------------------------------------------------------------


def test_staff_without_an_app_are_sent_from_the_admin_to_set_one_up(client, staff):
    client.force_login(staff)
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={ADMIN}"


def test_staff_with_an_app_but_no_code_yet_are_sent_to_enter_it(client, staff):
    app_for(staff)
    client.force_login(staff)
    response = client.get(reverse("admin:tickets_issue_changelist"))
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={reverse('admin:tickets_issue_changelist')}"


def test_staff_who_entered_their_code_reach_the_admin(client, staff):
    login_with_second_factor(client, staff)
    assert client.get(ADMIN).status_code == 200


def test_staff_log_in_enter_the_code_and_land_where_they_were_going(client, staff):
    device = app_for(staff)
    logged_in = client.post(
        reverse("login"), {"username": staff.username, "password": PASSWORD, "next": ADMIN}
    )
    asked = client.get(logged_in["Location"])
    page = client.get(asked["Location"])
    verified = client.post(VERIFY, {"code": app_code(device), "next": ADMIN})

    assert (logged_in["Location"], asked["Location"]) == (ADMIN, f"{VERIFY}?next={ADMIN}")
    assert "Enter your code" in page.text
    assert verified.status_code == 302 and verified["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_the_admin_login_page_is_no_way_around_the_code(client, staff):
    app_for(staff)
    logged_in = client.post(
        reverse("admin:login"), {"username": staff.username, "password": PASSWORD, "next": ADMIN}
    )
    assert logged_in.status_code == 302
    for path in (ADMIN, reverse("admin:login"), reverse("admin:tickets_issue_changelist")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY)


def test_an_unverified_person_may_still_log_out_and_pick_a_language(client, staff):
    app_for(staff)
    client.force_login(staff)
    language = client.post(reverse("set_language"), {"language": "en", "next": VERIFY})
    health = client.get(reverse("healthz"))
    logged_out = client.post(reverse("logout"))

    assert language["Location"] == VERIFY
    assert health.status_code == 200
    assert logged_out["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_with_enforcement_off_staff_reach_the_admin_without_a_code(client, staff, settings):
    settings.TWO_FACTOR_ENFORCED = False
    client.force_login(staff)
    assert client.get(ADMIN).status_code == 200


# --- Setting up ---------------------------------------------------------------------------


def test_the_setup_page_shows_a_qr_code_and_the_key_to_type(client, staff):
    client.force_login(staff)
    page = client.get(f"{SETUP}?next={ADMIN}")
    key = client.session[SETUP_KEY]
    qr = client.get(reverse("accounts:two-factor-qr"))

    assert page.status_code == 200
    assert f'src="{reverse("accounts:two-factor-qr")}"' in page.text
    secret = b32encode(TOTPDevice(key=key).bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page.text
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<svg")
    assert "no-store" in page["Cache-Control"] and "no-store" in qr["Cache-Control"]
    assert not TOTPDevice.objects.exists()


def test_the_setup_page_keeps_its_key_when_reloaded(client, staff):
    client.force_login(staff)
    client.get(SETUP)
    first = client.session[SETUP_KEY]
    client.get(SETUP)
    assert client.session[SETUP_KEY] == first


def test_confirming_the_app_switches_it_on_and_shows_the_recovery_codes_once(client, staff):
    client.force_login(staff)
    client.get(f"{SETUP}?next={ADMIN}")
    device = TOTPDevice(key=client.session[SETUP_KEY])

    response = client.post(SETUP, {"code": app_code(device), "next": ADMIN})

    saved = TOTPDevice.objects.get(user=staff)
    codes = list(StaticDevice.objects.get(user=staff).token_set.values_list("token", flat=True))
    assert response.status_code == 200
    assert saved.confirmed and saved.key == device.key
    assert len(codes) == 10 and all(code in response.text for code in codes)
    assert f'href="{ADMIN}"' in response.text
    assert client.get(ADMIN).status_code == 200
    again = client.get(SETUP)
    assert again.status_code == 302 and not any(code in again.text for code in codes)


def test_a_wrong_code_at_setup_is_a_form_error(client, staff):
    client.force_login(staff)
    client.get(SETUP)
    device = TOTPDevice(key=client.session[SETUP_KEY])

    response = client.post(SETUP, {"code": _wrong(app_code(device))})

    assert response.status_code == 200
    assert "That code is not the one your app shows." in response.text
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.exists()
    assert client.get(ADMIN).status_code == 302


def test_a_code_that_is_no_six_digits_is_a_form_error(client, staff):
    client.force_login(staff)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "12ab"})
    assert "Enter the 6 digits your app shows." in response.text


def test_someone_with_an_app_cannot_set_up_another_without_its_code(client, staff):
    """A password alone must not be enough to replace the app someone already has."""
    original = app_for(staff)
    client.force_login(staff)

    shown = client.get(SETUP)
    planted = TOTPDevice(key="3132333435363738393031323334353637383930")
    session = client.session
    session[SETUP_KEY] = planted.key
    session.save()
    posted = client.post(SETUP, {"code": app_code(planted)})

    assert shown.status_code == 302 and shown["Location"].startswith(VERIFY)
    assert posted.status_code == 302 and posted["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=staff)) == [original]
    assert client.get(reverse("accounts:two-factor-qr")).status_code == 404


# --- Entering the code --------------------------------------------------------------------


def test_a_wrong_code_at_login_is_a_form_error(client, staff):
    device = app_for(staff)
    client.force_login(staff)

    response = client.post(VERIFY, {"code": _wrong(app_code(device))})

    assert response.status_code == 200
    assert "That code is not right, or it has been used already." in response.text
    assert response.context["form"].errors["code"]
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(ADMIN).status_code == 302


def test_after_a_wrong_code_the_next_try_must_wait(client, staff):
    device = app_for(staff)
    client.force_login(staff)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(VERIFY, {"code": _wrong(app_code(device))})
        too_soon = client.post(VERIFY, {"code": app_code(device)})
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        later = client.post(VERIFY, {"code": app_code(device), "next": ADMIN})

    assert too_soon.status_code == 200
    assert "Too many wrong codes." in too_soon.text
    assert later.status_code == 302 and later["Location"] == ADMIN


def _guess(browser, device, at) -> object:
    with time_machine.travel(at, tick=False):
        return browser.post(VERIFY, {"code": _wrong(app_code(device))})


def test_wrong_codes_of_one_session_do_not_hold_up_the_owner_in_another(client, staff):
    device = app_for(staff)
    guesser = Client()
    guesser.force_login(staff)
    start = timezone.now()
    for n in range(4):
        _guess(guesser, device, start + timedelta(seconds=20 * n))

    client.force_login(staff)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        response = client.post(VERIFY, {"code": app_code(device), "next": ADMIN})

    assert response.status_code == 302 and response["Location"] == ADMIN


def test_a_session_that_tries_too_many_wrong_codes_is_logged_out(client, staff, settings):
    settings.TWO_FACTOR_SESSION_FAILURE_LIMIT = 3
    device = app_for(staff)
    client.force_login(staff)
    start = timezone.now()

    answers = [_guess(client, device, start + timedelta(seconds=20 * n)) for n in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 302]
    assert answers[-1]["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    login_page = client.get(reverse("login"))
    assert "Too many wrong codes. Log in again to try once more." in login_page.text


def test_one_client_address_checks_a_limited_number_of_codes(client, staff, settings):
    settings.TWO_FACTOR_CODES_PER_IP = 2
    device = app_for(staff)
    start = timezone.now()
    for n in range(2):
        guesser = Client()
        guesser.force_login(staff)
        _guess(guesser, device, start + timedelta(seconds=n))

    client.force_login(staff)
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        refused = client.post(VERIFY, {"code": app_code(device)})
    elsewhere = Client(REMOTE_ADDR="198.51.100.8")
    elsewhere.force_login(staff)
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        accepted = elsewhere.post(VERIFY, {"code": app_code(device)})

    assert "Too many codes were tried from here." in refused.text
    assert accepted.status_code == 302


def test_a_code_is_accepted_once(client, staff):
    device = app_for(staff)
    code = app_code(device)
    client.force_login(staff)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("logout"))

    client.force_login(staff)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "has been used already" in response.text


def test_a_recovery_code_works_instead_of_the_app_but_only_once(client, staff):
    app_for(staff)
    code, *_others = recovery_codes_for(staff)
    client.force_login(staff)

    first = client.post(VERIFY, {"code": code.upper(), "next": ADMIN}, follow=True)
    client.post(reverse("logout"))
    client.force_login(staff)
    second = client.post(VERIFY, {"code": code})

    assert first.redirect_chain == [(ADMIN, 302)]
    assert "You used a recovery code; 2 are left." in first.text
    assert second.status_code == 200
    assert "neither a code from your app nor an unused recovery code" in second.text
    assert client.get(ADMIN).status_code == 302


def test_verifying_gives_the_session_a_new_key(client, staff):
    device = app_for(staff)
    client.force_login(staff)
    before = client.session.session_key
    client.post(VERIFY, {"code": app_code(device)})
    assert client.session.session_key != before


def test_a_next_address_on_another_site_is_not_followed(client, staff):
    device = app_for(staff)
    client.force_login(staff)
    response = client.post(VERIFY, {"code": app_code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("portal:home")


# --- The API ------------------------------------------------------------------------------


def test_a_staff_session_without_the_code_gets_403_from_the_api(client, staff):
    app_for(staff)
    client.force_login(staff)
    response = client.get("/api/v1/issues")
    assert response.status_code == 403
    assert _problem(response)["code"] == "second-factor-required"
    assert "second factor" in _problem(response)["detail"]


def test_a_staff_session_without_an_app_gets_403_from_the_api(client, staff):
    client.force_login(staff)
    response = client.get("/api/v1/issues")
    assert response.status_code == 403
    assert _problem(response)["detail"] == (
        "Set up two-factor authentication before using the API."
    )


def test_a_verified_staff_session_uses_the_api(client, staff):
    login_with_second_factor(client, staff)
    assert client.get("/api/v1/issues").status_code == 200


def test_a_token_of_staff_without_an_app_is_refused(staff, settings):
    settings.TWO_FACTOR_ENFORCED = False
    _token, secret = api_token_create(user=staff, name="old script")
    settings.TWO_FACTOR_ENFORCED = True
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = api.get("/api/v1/issues")

    assert response.status_code == 403
    assert _problem(response)["code"] == "second-factor-required"


def test_a_token_of_staff_with_an_app_is_accepted(staff):
    app_for(staff)
    _token, secret = api_token_create(user=staff, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/issues").status_code == 200


def test_a_token_of_a_contact_needs_no_app(org):
    _token, secret = api_token_create(user=org.contact, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/issues").status_code == 200


def test_no_token_is_made_for_staff_without_an_app(staff):
    with pytest.raises(ApplicationError, match="must set up two-factor authentication"):
        api_token_create(user=staff, name="script")
    with pytest.raises(CommandError, match="must set up two-factor authentication"):
        call_command("create_api_token", staff.username, stdout=StringIO(), stderr=StringIO())


# --- The administrators' reset ------------------------------------------------------------


def test_an_administrator_resets_a_second_factor_from_the_user_list(client, staff, administrator):
    app_for(staff)
    recovery_codes_for(staff)
    login_with_second_factor(client, administrator)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [staff.pk]},
        follow=True,
    )

    assert "The second factor of 1 user was reset." in response.text
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not StaticDevice.objects.filter(user=staff).exists()
    entry = LogEntry.objects.get(object_id=str(staff.pk))
    assert entry.user == administrator
    assert entry.get_change_message() == "Changed second factor."
    logged = AuditEntry.objects.get(action=AuditAction.CHANGE, object_id=str(staff.pk))
    assert (logged.user, logged.detail) == (administrator, {"second_factor": "reset"})


def test_a_wrong_code_is_logged_as_a_failed_login(client, staff):
    app_for(staff)
    client.force_login(staff)

    client.post(VERIFY, {"code": "000000"})

    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (failed.object_id, failed.detail["second_factor"]) == (str(staff.pk), "refused")


def test_a_reset_ends_every_session_of_the_person(client, staff, administrator):
    login_with_second_factor(client, staff)

    second_factor_reset(user=staff, reset_by=administrator)

    response = client.get(ADMIN)
    assert response.status_code == 302 and "login" in response["Location"]


def test_after_a_reset_the_person_sets_up_a_new_app(client, staff, administrator):
    login_with_second_factor(client, staff)
    second_factor_reset(user=staff, reset_by=administrator)
    client.force_login(staff)
    response = client.get(ADMIN)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_only_administrators_may_reset_a_second_factor(client, staff):
    # Someone granted the user permissions one by one, without the Administrators role.
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    other = give_role(StaffFactory(username="collega"), "Team members")
    app_for(other)
    login_with_second_factor(client, staff)

    page = client.get(reverse("admin:accounts_user_changelist"))

    with pytest.raises(NotAllowedError):
        second_factor_reset(user=other, reset_by=staff)
    assert page.status_code == 200
    assert "reset_second_factor" not in page.text
    assert TOTPDevice.objects.filter(user=other).exists()


def test_the_user_list_shows_who_has_a_second_factor(client, staff, administrator):
    app_for(staff)
    login_with_second_factor(client, administrator)
    response = client.get(reverse("admin:accounts_user_changelist"))
    rows = {user.username: user.has_second_factor for user in response.context["cl"].result_list}
    assert rows[staff.username] is True
    assert rows["contact-vrb"] is False
    assert "Two-factor" in response.text


def test_the_device_pages_of_django_otp_are_not_in_the_admin(client, administrator):
    login_with_second_factor(client, administrator)
    index = client.get(ADMIN).text
    assert "otp_totp" not in index and "otp_static" not in index


def test_an_operator_lets_someone_without_phone_or_codes_in_with_a_one_time_code(client, staff):
    """The way in when no administrator can reach the admin: django-otp's addstatictoken."""
    app_for(staff)
    out = StringIO()
    call_command("addstatictoken", staff.username, stdout=out)
    client.force_login(staff)

    response = client.post(VERIFY, {"code": out.getvalue().strip(), "next": ADMIN})

    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200
