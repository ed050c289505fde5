"""Fixtures of the admin tests: two clients with their own teams, staff in their roles."""

import pytest
from django.test import Client


@pytest.fixture
def staff(org):
    return org.staff


@pytest.fixture
def client():
    """A browser that asks for English, so that tests can read the messages."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
