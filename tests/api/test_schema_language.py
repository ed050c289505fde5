"""The OpenAPI document is English for every integrator; error answers follow the caller."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _clock_kind(document: dict) -> str:
    return json.dumps(document["components"]["schemas"]["ClockKindEnum"])


def test_the_openapi_document_is_english_when_asked_in_dutch(anonymous_api):
    response = anonymous_api.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    text = response.content.decode()
    assert "First response" in _clock_kind(response.json())
    assert "Eerste reactie" not in text
    assert '"title": "Actie"' not in text and '"title":"Actie"' not in text


def test_the_openapi_document_ignores_a_language_parameter(anonymous_api):
    dutch = anonymous_api.get("/api/v1/openapi.json?lang=nl", HTTP_ACCEPT_LANGUAGE="nl")
    english = anonymous_api.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="en")

    assert dutch.json() == english.json()


def test_the_schema_command_writes_english_under_the_dutch_default(settings):
    settings.LANGUAGE_CODE = "nl"
    out = StringIO()

    call_command("spectacular", "--format", "openapi-json", stdout=out)

    document = json.loads(out.getvalue())
    assert "First response" in _clock_kind(document)
    assert "Eerste reactie" not in out.getvalue()


def test_error_details_still_follow_the_callers_language(anonymous_api, settings):
    settings.LANGUAGE_CODE = "en"
    dutch = anonymous_api.get("/api/v1/issues", HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9,en;q=0.5")
    english = anonymous_api.get("/api/v1/issues", HTTP_ACCEPT_LANGUAGE="en")

    assert dutch.status_code == english.status_code == 401
    assert dutch.json()["detail"] != english.json()["detail"]
    assert dutch["Content-Language"] == "nl"


def test_an_api_caller_without_a_supported_language_gets_the_default(anonymous_api, settings):
    settings.LANGUAGE_CODE = "nl"

    response = anonymous_api.get("/api/v1/issues", HTTP_ACCEPT_LANGUAGE="de-DE,fr;q=0.8")

    assert response["Content-Language"] == "nl"
    assert "Accept-Language" in response["Vary"]
