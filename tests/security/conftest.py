"""Fixtures of the security tests: an organisation with its staff, and browsers in English."""

import pytest
from django.test import Client

from tests.admin.conftest import give_role
from tests.portal.helpers import organisation


@pytest.fixture
def org(db):
    org = organisation("VRB")
    give_role(org.staff, "Team members")
    return org


@pytest.fixture
def client():
    """A browser that asks for English, so that tests can read the pages."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def lockout(settings):
    """Switch django-axes back on, with the limits the settings give production."""
    settings.AXES_ENABLED = True
    return settings
