"""Fixtures of the privacy tests: two organisations and an administrator on no team."""

import pytest
from django.test import Client

from tests.admin.conftest import give_role
from tests.factories import StaffFactory
from tests.portal.helpers import organisation


@pytest.fixture
def org(db):
    org = organisation("VRB")
    give_role(org.staff, "Team members")
    return org


@pytest.fixture
def other_org(db):
    org = organisation("ZWL")
    give_role(org.staff, "Team members")
    return org


@pytest.fixture
def administrator(db):
    """An administrator by role, not a superuser."""
    return give_role(StaffFactory(username="beheer"), "Administrators")


@pytest.fixture
def client():
    """A browser that asks for English, so that tests can read the messages."""
    return Client(headers={"accept-language": "en"})
