"""Fixtures of the portal tests: two organisations, so that every test can check isolation."""

import pytest

from tests.portal.helpers import organisation


@pytest.fixture
def org(db):
    return organisation("VRB")


@pytest.fixture
def other_org(db):
    return organisation("ZWL")
