"""Fixtures for the access-log tests: an issue of the shared organisation."""

import pytest

from tests.portal.helpers import issue_file


@pytest.fixture
def issue(org):
    return issue_file(org, title="Paspoortaanvraag van mevrouw Jansen")
