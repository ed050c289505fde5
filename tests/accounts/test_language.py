"""The interface language: Dutch by default, English when a person chooses it."""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _product_default_language(settings):
    settings.LANGUAGE_CODE = "nl"


def test_the_product_default_language_is_dutch():
    from paqt_support import settings as project_settings

    assert project_settings.LANGUAGE_CODE == "nl"


def test_login_page_is_dutch_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "nl"


def test_choosing_english_switches_the_interface(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert response.headers["Content-Language"] == "en"


def test_choosing_a_language_while_logged_in_sets_the_email_language(client):
    user = ContactFactory(preferred_language="nl")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_a_logged_in_user_without_a_cookie_gets_their_profile_language(client):
    user = ContactFactory(preferred_language="en")
    client.force_login(user)
    response = client.get(reverse("login"))
    assert response.headers["Content-Language"] == "en"


def test_an_unknown_language_is_ignored(client):
    client.cookies["django_language"] = "xx"
    response = client.get(reverse("login"))
    assert response.headers["Content-Language"] == "nl"
