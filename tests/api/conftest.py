"""Fixtures of the API tests: two organisations, their people in roles, token clients."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import api_token_create
from tests.portal.helpers import issue_file


def token_client(user) -> APIClient:
    """Return a client that sends a fresh personal token of ``user`` on every request."""
    _token, secret = api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def contact_api(org):
    return token_client(org.contact)


@pytest.fixture
def staff_api(org):
    return token_client(org.staff)


@pytest.fixture
def anonymous_api():
    return APIClient()


@pytest.fixture
def issue(org):
    return issue_file(org)


@pytest.fixture
def other_issue(other_org):
    return issue_file(other_org, title="Belastingaanslag klopt niet")


class QueryCounter(CaptureQueriesContext):
    @property
    def count(self) -> int:
        return len(self.captured_queries)


@pytest.fixture
def count_queries():
    """Return a context manager whose ``count`` says how many queries ran inside it."""
    return lambda: QueryCounter(connection)
