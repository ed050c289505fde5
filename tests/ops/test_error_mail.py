"""Server errors reach the administrators by mail once per kind per interval, and never for a
request whose credentials were refused."""

import pytest
import time_machine
from django.contrib.auth.views import LoginView
from django.test import Client
from rest_framework.test import APIClient

from api import authentication
from api.views import SchemaView

SCHEMA = "/api/v1/openapi.json"


@pytest.fixture
def mailed(db, settings, mailoutbox):
    settings.DEBUG = False
    settings.ADMINS = [("Beheer", "beheer@example.org")]
    return mailoutbox


def _fail(monkeypatch, view, method: str, error: type[Exception] = RuntimeError):
    def broken(*args, **kwargs):
        raise error("kapot")

    monkeypatch.setattr(view, method, broken)


def test_an_anonymous_request_that_fails_mails_the_administrators_once(mailed, monkeypatch):
    _fail(monkeypatch, SchemaView, "get")

    response = APIClient(raise_request_exception=False).get(SCHEMA)

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert [m.to for m in mailed] == [["beheer@example.org"]]


def test_the_same_error_again_is_mailed_once_per_interval(mailed, monkeypatch, settings):
    settings.ERROR_MAIL_INTERVAL_MINUTES = 60
    _fail(monkeypatch, SchemaView, "get")
    api = APIClient(raise_request_exception=False)

    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        for _ in range(5):
            api.get(SCHEMA)
    assert len(mailed) == 1
    with time_machine.travel("2026-03-02 11:00:00+00:00", tick=False):
        api.get(SCHEMA)
    assert len(mailed) == 2


def test_another_kind_of_error_is_mailed_too(mailed, monkeypatch):
    _fail(monkeypatch, SchemaView, "get")
    api = APIClient(raise_request_exception=False)
    api.get(SCHEMA)
    _fail(monkeypatch, LoginView, "get", LookupError)

    Client(raise_request_exception=False).get("/accounts/login/")

    assert len(mailed) == 2


def test_a_request_whose_token_was_not_accepted_is_never_mailed(mailed, monkeypatch):
    _fail(monkeypatch, authentication, "api_token_authenticate")

    response = APIClient(raise_request_exception=False).get(
        "/api/v1/issues", HTTP_AUTHORIZATION="Bearer guessed"
    )

    assert response.status_code == 500
    assert mailed == []


def test_a_failed_login_that_ends_in_an_error_is_never_mailed(mailed, monkeypatch):
    _fail(monkeypatch, LoginView, "form_invalid")

    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "nobody", "password": "guess"}
    )

    assert response.status_code == 500
    assert mailed == []
