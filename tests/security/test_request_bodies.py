"""A body over its limit is refused from its announced length, before a byte of it is read."""

import pytest
from django.urls import reverse

from api.services import api_token_create
from tests.portal.helpers import issue_file, log_in

HUGE = 120 * 1024 * 1024


class _Unread:
    """A request body that fails the test as soon as anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def _post(client, url: str, *, length: int, content_type: str, **extra):
    return client.generic(
        "POST",
        url,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": _Unread()},
        **extra,
    )


@pytest.mark.parametrize("action", ["issue-attach", "issue-reply"])
def test_a_portal_upload_over_the_limit_is_refused_unread(client, org, action):
    issue = issue_file(org)
    log_in(client, org.contact)

    response = _post(
        client,
        reverse(f"portal:{action}", args=[issue.reference]),
        length=HUGE,
        content_type="multipart/form-data; boundary=x",
    )

    assert response.status_code == 413
    assert "The request is too large: at most 55.0\xa0MB can be sent at once." in response.text


def test_an_api_upload_over_the_limit_is_refused_unread(client, org):
    issue = issue_file(org)
    _token, secret = api_token_create(user=org.contact, name="upload")

    response = _post(
        client,
        f"/api/v1/issues/{issue.reference}/attachments",
        length=HUGE,
        content_type="multipart/form-data; boundary=x",
        HTTP_AUTHORIZATION=f"Token {secret}",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request-too-large"


def test_a_json_body_over_the_limit_is_refused_unread(client, org, settings):
    _token, secret = api_token_create(user=org.contact, name="json")

    response = _post(
        client,
        "/api/v1/issues",
        length=settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {secret}",
    )

    assert response.status_code == 413
    assert response.json()["detail"] == (
        "The request is too large: at most 5.0\xa0MB can be sent at once."
    )


def test_the_limit_of_uploads_follows_the_attachment_settings(client, org, settings):
    settings.ATTACHMENT_MAX_FILES = 1
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    issue = issue_file(org)
    log_in(client, org.contact)

    response = _post(
        client,
        reverse("portal:issue-attach", args=[issue.reference]),
        length=2 * 1024 * 1024 + 1,
        content_type="multipart/form-data; boundary=x",
    )

    assert response.status_code == 413
