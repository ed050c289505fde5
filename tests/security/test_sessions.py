"""Sessions end after a period of inactivity, and "log out on all devices" ends every one."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.portal.helpers import log_in

LIST = reverse("portal:issue-list")


@pytest.fixture
def idle_timeout(settings):
    settings.SESSION_SAVE_EVERY_REQUEST = True
    settings.SESSION_COOKIE_AGE = 60 * 60
    return timedelta(hours=1)


def test_each_request_extends_the_session(client, org, idle_timeout):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, org.contact)
    for step in (50, 100, 150):
        with time_machine.travel(start + timedelta(minutes=step), tick=False):
            assert client.get(LIST).status_code == 200


def test_a_session_idle_for_longer_than_the_timeout_ends(client, org, idle_timeout):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, org.contact)
        assert client.get(LIST).status_code == 200
    with time_machine.travel(start + idle_timeout + timedelta(minutes=1), tick=False):
        response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_log_out_everywhere_ends_the_sessions_on_other_devices(org):
    laptop, phone = Client(), Client()
    laptop.login(username=org.contact.username, password="correct horse battery")
    log_in(phone, org.contact)
    assert phone.get(LIST).status_code == 200

    response = laptop.post(reverse("logout-everywhere"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have been logged out on all your devices." in response.text
    assert laptop.get(LIST).status_code == 302
    assert phone.get(LIST).status_code == 302


def test_log_out_everywhere_leaves_other_people_logged_in(client, org):
    colleague = Client()
    log_in(colleague, org.admin)
    log_in(client, org.contact)

    client.post(reverse("logout-everywhere"))

    assert colleague.get(LIST).status_code == 200


def test_log_out_everywhere_takes_only_a_post(client, org):
    log_in(client, org.contact)
    assert client.get(reverse("logout-everywhere")).status_code == 405
    assert client.get(LIST).status_code == 200


def test_log_out_everywhere_asks_a_stranger_to_log_in(client, db):
    response = client.post(reverse("logout-everywhere"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_user_menu_offers_log_out_everywhere(client, org):
    log_in(client, org.contact)
    html = client.get(LIST).text
    assert f'action="{reverse("logout-everywhere")}" method="post"' in html
    assert "Log out on all devices" in html
