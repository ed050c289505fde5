"""Security and caching headers on portal and admin pages, API answers and the API documentation."""

import pytest
from django.urls import reverse

from api.services import api_token_create
from tests.portal.helpers import issue_file, log_in, pdf
from tests.two_factor import login_with_second_factor

STRICT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


@pytest.fixture
def pages(client, org):
    """Return a function that fetches one kind of page: portal, admin or API."""

    def fetch(kind: str, **extra):
        if kind == "portal":
            log_in(client, org.contact)
            return client.get(reverse("portal:issue-list"), **extra)
        if kind == "admin":
            login_with_second_factor(client, org.staff)
            return client.get(reverse("admin:tickets_issue_changelist"), **extra)
        _token, secret = api_token_create(user=org.contact, name="headers")
        return client.get("/api/v1/issues", headers={"authorization": f"Token {secret}"}, **extra)

    return fetch


@pytest.mark.parametrize("kind", ["portal", "admin", "api"])
def test_content_security_policy_allows_nothing_inline_or_from_elsewhere(pages, kind):
    response = pages(kind)
    assert response.status_code == 200
    assert _policy(response).items() >= STRICT_POLICY.items()
    assert "img-src" not in _policy(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("kind", ["portal", "admin", "api"])
def test_content_type_sniffing_is_off(pages, kind):
    assert pages(kind)["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("kind", ["portal", "admin", "api"])
def test_referrer_stays_on_the_site(pages, kind):
    assert pages(kind)["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("kind", ["portal", "admin", "api"])
def test_pages_refuse_to_be_framed(pages, kind):
    assert pages(kind)["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("kind", ["portal", "admin", "api"])
def test_https_is_enforced_for_a_year_in_production(settings, pages, kind):
    # The values production mode sets; tests/test_settings.py runs its deployment checks.
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = pages(kind, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_no_hsts_over_plain_http_locally(pages):
    assert not pages("portal").has_header("Strict-Transport-Security")


def test_the_login_page_carries_the_policy_too(client, db):
    response = client.get(reverse("login"))
    assert _policy(response).items() >= STRICT_POLICY.items()


def test_only_the_api_documentation_allows_inline_styles_and_a_blob_worker(client, db):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["img-src"] == "'self' data:"
    assert policy["worker-src"] == "'self' blob:"
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize(
    "kind",
    ["portal-list", "portal-issue", "portal-colleagues", "admin", "admin-issue", "oncall", "api"],
)
def test_pages_for_a_logged_in_person_are_kept_by_no_cache(client, org, kind):
    issue = issue_file(org)
    if kind.startswith("portal"):
        log_in(client, org.admin)
        url = {
            "portal-list": reverse("portal:issue-list"),
            "portal-issue": reverse("portal:issue-detail", args=[issue.reference]),
            "portal-colleagues": reverse("accounts:colleague-list"),
        }[kind]
        response = client.get(url)
    elif kind == "api":
        _token, secret = api_token_create(user=org.contact, name="cache")
        response = client.get("/api/v1/issues", headers={"authorization": f"Token {secret}"})
    else:
        login_with_second_factor(client, org.staff)
        url = {
            "admin": reverse("admin:tickets_issue_changelist"),
            "admin-issue": reverse("admin:tickets_issue_change", args=[issue.pk]),
            "oncall": reverse("oncall:schedule"),
        }[kind]
        response = client.get(url)

    assert response.status_code == 200
    assert {"private", "no-store"} <= _directives(response)


def test_a_download_for_a_logged_in_person_is_kept_by_no_cache(client, org):
    issue = issue_file(org, files=[pdf()])
    log_in(client, org.contact)
    response = client.get(reverse("portal:attachment-download", args=[issue.attachments.get().pk]))
    assert response.status_code == 200
    assert {"private", "no-store"} <= _directives(response)
