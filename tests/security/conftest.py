"""Fixtures of the security tests: browsers in English, and the lockout switched on."""

import pytest
from django.test import Client


@pytest.fixture
def client():
    """A browser that asks for English, so that tests can read the pages."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def lockout(settings):
    """Switch django-axes back on, with the limits the settings give production."""
    settings.AXES_ENABLED = True
    return settings
