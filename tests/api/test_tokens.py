"""Personal API tokens: stored hashed, shown once, revocable, expiring; the command."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def _get(secret: str, *, scheme: str = "Bearer"):
    return APIClient().get("/api/v1/issues", HTTP_AUTHORIZATION=f"{scheme} {secret}")


def test_the_command_prints_the_secret_once_and_stores_only_its_hash(org):
    out, err = StringIO(), StringIO()

    call_command(
        "create_api_token", org.contact.username, "--name", "rapportage", stdout=out, stderr=err
    )

    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.name == "rapportage"
    assert token.user == org.contact
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {getattr(token, f.attname) for f in ApiToken._meta.fields}
    assert secret not in err.getvalue()
    assert _get(secret).status_code == 200


def test_the_command_sets_an_expiry(org):
    call_command(
        "create_api_token",
        org.contact.username,
        "--expires-days",
        "30",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == timedelta(days=30)


def test_the_command_refuses_an_unknown_user_in_one_line(db):
    with pytest.raises(CommandError, match=r"^There is no user 'nobody'\.$"):
        call_command("create_api_token", "nobody", stdout=StringIO())


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_both_schemes_are_accepted(org, scheme):
    _token, secret = api_token_create(user=org.contact, name="x")

    assert _get(secret, scheme=scheme).status_code == 200


def test_a_revoked_token_is_refused(org):
    token, secret = api_token_create(user=org.contact, name="x")
    api_token_revoke(token=token)

    response = _get(secret)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "The API token is invalid, revoked or expired."


def test_an_expired_token_is_refused(org):
    yesterday = timezone.now() - timedelta(days=1)
    _token, secret = api_token_create(
        user=org.contact, name="x", expires_at=yesterday + timedelta(hours=1), now=yesterday
    )

    assert _get(secret).status_code == 401


def test_the_token_of_a_deactivated_user_is_refused(org):
    _token, secret = api_token_create(user=org.contact, name="x")
    org.contact.is_active = False
    org.contact.save()

    assert _get(secret).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer pqs_000000000000_guess", "Bearer", "Bearer a b", "Token pqs_", "Bearer \u00e9"],
)
def test_a_wrong_or_malformed_token_answers_401(org, header):
    response = APIClient().get("/api/v1/issues", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401


def test_a_token_that_differs_only_in_its_secret_part_is_refused(org):
    token, _secret = api_token_create(user=org.contact, name="x")
    forged = f"pqs_{token.prefix}_{'A' * 43}"

    assert _get(forged).status_code == 401


def test_use_is_recorded_at_most_once_a_minute(org):
    token, secret = api_token_create(user=org.contact, name="x")

    _get(secret)
    token.refresh_from_db()
    first = token.last_used_at
    _get(secret)
    token.refresh_from_db()

    assert first is not None
    assert token.last_used_at == first


def test_the_admin_revokes_selected_tokens(org, administrator):
    from django.test import Client

    token, secret = api_token_create(user=org.contact, name="x")
    administrator.is_superuser = True
    administrator.save()
    browser = Client()
    browser.force_login(administrator)

    response = browser.post(
        "/admin/api/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
        follow=True,
    )

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _get(secret).status_code == 401
