"""Login throttling: an account or an address is locked after repeated failures, for a while;
the account's owner gets a link to log in all the same."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from tests.factories import ContactFactory
from tests.two_factor import login_with_second_factor

PASSWORD = "correct horse battery"
LOGIN_PAGES = ["login", "admin:login"]


def _log_in(client, url_name: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse(url_name), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _fail(client, url_name: str, username: str, times: int, address: str = "10.0.0.1"):
    for _ in range(times):
        _log_in(client, url_name, username, "wrong password", address)


@pytest.mark.parametrize("url_name", LOGIN_PAGES)
def test_four_failures_still_let_the_right_password_in(client, lockout, org, url_name):
    user = org.staff if url_name == "admin:login" else org.contact
    _fail(client, url_name, user.username, 4)
    response = _log_in(client, url_name, user.username, PASSWORD)
    assert response.status_code == 302


@pytest.mark.parametrize("url_name", LOGIN_PAGES)
def test_the_fifth_failure_locks_the_account_even_against_the_right_password(
    client, lockout, org, url_name
):
    user = org.staff if url_name == "admin:login" else org.contact
    _fail(client, url_name, user.username, 4)
    assert _log_in(client, url_name, user.username, "wrong password").status_code == 429

    response = _log_in(client, url_name, user.username, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Too many failed logins" in response.text
    assert "Try again in 15 minutes." in response.text


def test_the_account_is_locked_from_every_address(client, lockout, org):
    for number in range(5):
        _log_in(client, "login", org.contact.username, "wrong", address=f"10.0.1.{number}")
    response = _log_in(client, "login", org.contact.username, PASSWORD, address="10.0.2.1")
    assert response.status_code == 429


def test_an_address_guessing_many_accounts_is_locked_for_all_of_them(client, lockout, org):
    for number in range(5):
        _log_in(client, "login", f"guess{number}", "wrong", address="10.0.9.9")
    response = _log_in(client, "login", org.contact.username, PASSWORD, address="10.0.9.9")
    assert response.status_code == 429


def test_other_accounts_from_other_addresses_are_not_affected(client, lockout, org):
    _fail(client, "login", org.contact.username, 5, address="10.0.0.1")
    colleague = ContactFactory(client=org.client, username="colleague")
    response = _log_in(client, "login", colleague.username, PASSWORD, address="10.0.0.2")
    assert response.status_code == 302


def test_the_lock_lifts_after_fifteen_minutes(client, lockout, org):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, "login", org.contact.username, 5)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert _log_in(client, "login", org.contact.username, PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert _log_in(client, "login", org.contact.username, PASSWORD).status_code == 302


def test_the_limits_come_from_the_settings(client, lockout, org):
    lockout.AXES_FAILURE_LIMIT = 2
    _fail(client, "login", org.contact.username, 1)
    assert _log_in(client, "login", org.contact.username, "wrong").status_code == 429


def test_failures_are_recorded_with_account_and_address(client, lockout, org):
    _fail(client, "login", org.contact.username, 2, address="10.0.0.7")
    attempt = AccessAttempt.objects.get(username=org.contact.username)
    assert (attempt.ip_address, attempt.failures_since_start) == ("10.0.0.7", 2)
    assert AccessFailureLog.objects.filter(username=org.contact.username).count() == 2


def test_the_admin_lists_the_attempts_read_only(client, lockout, org, admin_user):
    _fail(client, "login", org.contact.username, 1)
    login_with_second_factor(client, admin_user)

    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    adding = client.get(reverse("admin:axes_accessattempt_add"))

    assert listing.status_code == 200
    assert org.contact.username in listing.text
    assert adding.status_code == 403


def test_behind_a_proxy_the_forwarded_address_is_locked_not_the_proxy(client, lockout, org):
    lockout.REST_FRAMEWORK = {**lockout.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for number in range(5):
        client.post(
            reverse("login"),
            {"username": f"guess{number}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    honest = client.post(
        reverse("login"),
        {"username": org.contact.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert honest.status_code == 302
    assert AccessAttempt.objects.filter(ip_address="203.0.113.5").count() == 5


def test_without_a_trusted_proxy_a_forged_forwarded_address_does_not_escape_the_lock(
    client, lockout, org
):
    for number in range(5):
        client.post(
            reverse("login"),
            {"username": f"guess{number}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
        )
    response = _log_in(client, "login", org.contact.username, PASSWORD, address="10.0.0.1")
    assert response.status_code == 429


# --- The owner's way out: a single-use link by email ----------------------------------------

UNLOCK_LINK = re.compile(r"https?://\S+(/accounts/unlock/\S+/)")


def _locked_by_a_guesser(client, org, capture, *, times: int = 5):
    with capture(execute=True):
        _fail(client, "login", org.contact.username, times, address="203.0.113.66")


def _link(mailoutbox, user) -> str:
    [message] = [m for m in mailoutbox if m.to == [user.email]]
    return UNLOCK_LINK.search(message.body).group(1)


def test_the_owner_of_a_locked_account_is_mailed_a_link_once(
    client, lockout, org, mailoutbox, django_capture_on_commit_callbacks
):
    _locked_by_a_guesser(client, org, django_capture_on_commit_callbacks, times=9)

    [message] = mailoutbox
    assert message.to == [org.contact.email]
    assert message.subject == "Logging in to PAQT Support is blocked for your account"
    assert "failed 5 times in a row" in message.body
    assert UNLOCK_LINK.search(message.body)


def test_the_link_lets_the_owner_in_while_the_guessing_goes_on(
    client, lockout, org, mailoutbox, django_capture_on_commit_callbacks
):
    guesser, owner, bystander = Client(), Client(), Client()
    _locked_by_a_guesser(guesser, org, django_capture_on_commit_callbacks)
    link = _link(mailoutbox, org.contact)

    shown = owner.get(link)
    opened = owner.post(link)
    _fail(guesser, "login", org.contact.username, 5, address="203.0.113.66")
    elsewhere = _log_in(bystander, "login", org.contact.username, PASSWORD, address="198.51.100.9")
    logged_in = _log_in(owner, "login", org.contact.username, PASSWORD, address="198.51.100.4")

    assert shown.status_code == 200
    assert "Open logging in for this browser" in shown.text
    assert opened.status_code == 302 and opened["Location"] == reverse("login")
    assert logged_in.status_code == 302
    assert elsewhere.status_code == 429


def test_opening_the_link_forgets_the_accounts_failures(
    client, lockout, org, mailoutbox, django_capture_on_commit_callbacks
):
    _locked_by_a_guesser(client, org, django_capture_on_commit_callbacks)
    Client().post(_link(mailoutbox, org.contact))

    assert not AccessAttempt.objects.filter(username=org.contact.username).exists()
    assert _log_in(Client(), "login", org.contact.username, PASSWORD).status_code == 302


def test_the_link_works_once(client, lockout, org, mailoutbox, django_capture_on_commit_callbacks):
    _locked_by_a_guesser(client, org, django_capture_on_commit_callbacks)
    link = _link(mailoutbox, org.contact)
    Client().post(link)

    again = Client().post(link)

    assert again.status_code == 400
    assert "This link has been used or has expired." in again.text


def test_the_link_ends_with_the_lock(
    client, lockout, org, mailoutbox, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _locked_by_a_guesser(client, org, django_capture_on_commit_callbacks)
    link = _link(mailoutbox, org.contact)

    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        late = Client().post(link)

    assert late.status_code == 400


def test_only_the_owner_of_an_account_locked_itself_is_mailed(
    client, lockout, org, mailoutbox, django_capture_on_commit_callbacks
):
    # One address guessing five accounts is locked; none of the accounts is.
    with django_capture_on_commit_callbacks(execute=True):
        for username in ("guess0", "guess1", "guess2", "guess3", org.contact.username):
            _log_in(client, "login", username, "wrong", address="10.0.9.9")
        _log_in(client, "login", "nobody-at-all", "wrong", address="10.0.9.9")

    assert mailoutbox == []


def test_a_link_and_its_use_are_in_the_access_log(
    client, lockout, org, mailoutbox, django_capture_on_commit_callbacks
):
    _locked_by_a_guesser(client, org, django_capture_on_commit_callbacks)
    Client().post(_link(mailoutbox, org.contact))

    lifted = AuditEntry.objects.get(action=AuditAction.CHANGE, object_id=str(org.contact.pk))
    assert lifted.detail == {"lockout": "lifted by link"}
