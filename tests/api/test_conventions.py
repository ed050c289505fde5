"""NLGov conventions: version header, no trailing slashes, problem+json, public OpenAPI."""

import pytest

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith("urn:paqt-support:problem:")
    return body


def test_every_answer_carries_the_full_api_version(staff_api, anonymous_api, issue):
    answers = [
        staff_api.get("/api/v1/issues"),
        staff_api.get(f"/api/v1/issues/{issue.reference}"),
        staff_api.get("/api/v1/issues/XX-2026-0001"),
        staff_api.delete("/api/v1/issues"),
        anonymous_api.get("/api/v1/issues"),
        anonymous_api.get("/api/v1/openapi.json"),
        anonymous_api.get("/api/v1/docs"),
        anonymous_api.get("/api/v1/nothing-here"),
        anonymous_api.get("/api/v1"),
    ]
    assert {a["API-Version"] for a in answers} == {"1.0.0"}


def test_a_path_with_a_trailing_slash_answers_404_not_a_redirect(staff_api, issue):
    for path in ("/api/v1/issues/", f"/api/v1/issues/{issue.reference}/", "/api/v1/"):
        response = staff_api.get(path)
        body = _is_problem(response, 404)
        assert body["instance"] == path


def test_the_api_root_without_slash_answers_404_not_a_redirect(staff_api):
    _is_problem(staff_api.get("/api/v1"), 404)


def test_anonymous_calls_answer_401_with_a_bearer_challenge(anonymous_api, issue):
    for path in ("/api/v1/issues", f"/api/v1/issues/{issue.reference}", "/api/v1/agreements"):
        response = anonymous_api.get(path)
        body = _is_problem(response, 401)
        assert body["code"] == "not-authenticated"
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_unsupported_method_answers_405_with_allow(staff_api, issue):
    response = staff_api.delete(f"/api/v1/issues/{issue.reference}")

    _is_problem(response, 405)
    assert response["Allow"] == "GET, PATCH, HEAD, OPTIONS"


def test_a_400_lists_the_invalid_fields(contact_api):
    response = contact_api.post("/api/v1/issues", {"title": "", "priority": "P9"}, format="json")

    body = _is_problem(response, 400)
    assert body["code"] == "invalid-input"
    assert {p["name"] for p in body["invalid-params"]} == {"title", "priority", "description"}
    assert all(p["reason"] for p in body["invalid-params"])


def test_a_domain_error_names_its_field(contact_api, org):
    org.agreement.targets.filter(priority="P1").delete()

    response = contact_api.post(
        "/api/v1/issues",
        {"title": "Storing", "description": "Alles ligt plat.", "priority": "P1"},
        format="json",
    )

    body = _is_problem(response, 400)
    assert body["invalid-params"] == [
        {"name": "priority", "reason": "Your agreement does not offer priority P1."}
    ]


def test_malformed_json_answers_400(contact_api):
    response = contact_api.generic(
        "POST", "/api/v1/issues", b"{not json", content_type="application/json"
    )

    assert _is_problem(response, 400)["code"] == "parse-error"


def test_an_unsupported_media_type_answers_415(contact_api):
    response = contact_api.generic(
        "POST", "/api/v1/issues", b"title=x", content_type="application/x-www-form-urlencoded"
    )

    _is_problem(response, 415)


def test_the_openapi_document_is_public_json(anonymous_api):
    response = anonymous_api.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1.0.0"
    assert "/api/v1/issues/{reference}" in document["paths"]
    assert not any(path.endswith("/") for path in document["paths"])
    problem = document["components"]["schemas"]["Problem"]
    assert "invalid-params" in problem["properties"]


def test_the_documentation_page_loads_nothing_from_elsewhere(anonymous_api):
    response = anonymous_api.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    assert "/static/drf_spectacular_sidecar/" in html
    assert "https://" not in html and "http://" not in html


def test_session_writes_need_the_csrf_token(org, issue):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(org.contact)

    response = browser.post(
        f"/api/v1/issues/{issue.reference}/comments", {"body": "Hallo"}, format="json"
    )

    body = _is_problem(response, 403)
    assert "CSRF" in body["detail"]
    assert browser.get("/api/v1/issues").status_code == 200
