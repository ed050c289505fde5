"""Shared fixtures: two client organisations with their teams, and an administrator by role."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from tests.factories import StaffFactory
from tests.portal.helpers import organisation


def roles_restore() -> None:
    """Create the staff roles again as the roles migrations do.

    A transactional test empties every table when it ends, the migrations' groups too,
    and a serialised rollback cannot bring them back when another such test ran before.
    """
    import_module("accounts.migrations.0003_staff_roles").roles_create(apps, None)
    import_module("accounts.migrations.0004_oncall_roles").grants_add(apps, None)


def give_role(user, role: str):
    """Put ``user`` in the group of ``role`` that the roles migration created."""
    if not Group.objects.filter(name=role).exists():
        roles_restore()
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
