"""Input that no view can use is refused with 400 and a reason, never a server error."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.parsers import MAX_JSON_DEPTH, json_depth
from api.services import api_token_create
from monitoring.models import SourceKind
from monitoring.services import monitoring_source_create
from tests.portal.helpers import issue_file, log_in
from tests.two_factor import login_with_second_factor

NUL_MESSAGE = "The address of this request contains a NUL character; remove it."
TOO_DEEP = f"The JSON nests deeper than {MAX_JSON_DEPTH} levels."


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "query",
    ["q=%00", "q=zaak%00systeem", "sort=%00", "status=%00", "page=1%00", "%00=1"],
)
def test_a_nul_character_in_the_portal_list_answers_400_with_a_reason(client, org, query):
    log_in(client, org.contact)
    response = client.get(f"{reverse('portal:issue-list')}?{query}")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tickets/issue/?q=%00",
        "/admin/tickets/issue/?status__exact=%00",
        "/admin/tickets/issue/?o=%00",
        "/admin/accounts/user/?q=a%00",
        "/admin/audit/auditentry/?q=%00",
    ],
)
def test_a_nul_character_in_an_admin_search_filter_or_ordering_answers_400(admin_user, url):
    browser = login_with_second_factor(Client(), admin_user)
    response = browser.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.text


def test_a_nul_character_in_a_path_answers_400(client, org):
    log_in(client, org.contact)
    assert client.get("/issues/VRB-2026-0001%00/").status_code == 400


@pytest.mark.parametrize("query", ["search=%00", "ordering=%00", "status=open%00"])
def test_a_nul_character_in_an_api_query_answers_400_as_a_problem(org, query):
    _token, secret = api_token_create(user=org.contact, name="t")
    response = APIClient().get(f"/api/v1/issues?{query}", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == NUL_MESSAGE


def test_depth_counts_levels_of_arrays_and_objects():
    assert json_depth(1) == 0
    assert json_depth({"a": [1, {"b": []}]}) == 4
    assert json_depth(json.loads(_nested(500))) == MAX_JSON_DEPTH + 1


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
@pytest.mark.parametrize("path", ["/api/v1/issues", "/api/v1/issues/{reference}/comments"])
def test_deeply_nested_json_for_the_api_answers_400_with_a_reason(org, path, depth):
    issue = issue_file(org)
    _token, secret = api_token_create(user=org.contact, name="t")
    response = APIClient().post(
        path.format(reference=issue.reference),
        _nested(depth),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == TOO_DEEP


def test_json_as_deep_as_allowed_is_read_and_judged_on_its_content(org):
    _token, secret = api_token_create(user=org.contact, name="t")
    response = APIClient().post(
        "/api/v1/issues",
        _nested(MAX_JSON_DEPTH),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 400
    assert response.json()["detail"] != TOO_DEEP


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_for_an_alertmanager_webhook_answers_400(org, depth):
    _source, secret = monitoring_source_create(
        client=org.client, kind=SourceKind.ALERTMANAGER, name="prod", default_priority="P3"
    )
    response = APIClient().post(
        "/api/v1/monitoring/alertmanager",
        _nested(depth),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == TOO_DEEP


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_for_a_signed_sentry_webhook_answers_400_before_authentication(
    db, depth
):
    # The signature names no source: the body does, and it is read before anything else.
    response = APIClient().post(
        "/api/v1/monitoring/sentry",
        _nested(depth),
        content_type="application/json",
        HTTP_SENTRY_HOOK_SIGNATURE="0" * 64,
    )
    assert response.status_code == 400
    assert response.json()["detail"] == TOO_DEEP
