"""Fixtures of the single sign-on tests: the provider process and its records here."""

import pytest

from tests.factories import ClientFactory
from tests.sso.identity_provider import (
    AFTER_LOGOUT,
    APPLICATIONS,
    CALLBACK,
    identity_provider_create,
    provider_running,
)


@pytest.fixture(scope="session")
def oidc_provider():
    with provider_running(redirect_uris=[CALLBACK], after_logout=AFTER_LOGOUT) as provider:
        yield provider


@pytest.fixture
def gemeente_a():
    return ClientFactory(code="GMA", name="Gemeente A")


@pytest.fixture
def provider_a(oidc_provider, gemeente_a):
    return identity_provider_create(
        oidc_provider,
        name="Gemeente A",
        client=gemeente_a,
        oidc_client_id="portal-a",
        oidc_client_secret=APPLICATIONS["portal-a"],
        email_domains=["gemeente-a.nl"],
    )


@pytest.fixture
def staff_provider(oidc_provider):
    return identity_provider_create(
        oidc_provider,
        name="PAQT",
        oidc_client_id="support-staff",
        oidc_client_secret=APPLICATIONS["support-staff"],
        email_domains=["paqt.example"],
        trusts_second_factor=True,
    )
