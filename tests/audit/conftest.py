"""Fixtures for the access-log tests: an organisation with an issue, and an administrator."""

import pytest

from tests.admin.conftest import give_role
from tests.factories import StaffFactory
from tests.portal.helpers import issue_file, organisation


@pytest.fixture
def org(db):
    org = organisation("VRB")
    give_role(org.staff, "Team members")
    return org


@pytest.fixture
def issue(org):
    return issue_file(org, title="Paspoortaanvraag van mevrouw Jansen")


@pytest.fixture
def administrator(db):
    return give_role(StaffFactory(username="security-officer"), "Administrators")
