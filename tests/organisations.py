"""Shared fixtures: two client organisations with their teams, and an administrator by role."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import StaffFactory
from tests.portal.helpers import organisation


def give_role(user, role: str):
    """Put ``user`` in the group of ``role`` that the roles migration created."""
    user.groups.add(Group.objects.get(name=role))
    return user


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
    """An administrator by role, not a superuser, on no team."""
    return give_role(StaffFactory(username="beheer"), "Administrators")
