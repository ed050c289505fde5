"""Fixtures of the privacy tests: a browser that reads English."""

import pytest
from django.test import Client


@pytest.fixture
def client():
    """A browser that asks for English, so that tests can read the messages."""
    return Client(headers={"accept-language": "en"})
