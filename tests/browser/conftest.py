"""The browser tests' Chromium, started once per test, and the data of their walks."""

import pytest

from tests.browser.chromium import browser  # noqa: F401 - the fixture, for every browser test
from tests.browser.scene import scene


@pytest.fixture
def walk(transactional_db):
    """The scene of the walks, written before Playwright starts.

    Playwright's sync API switches greenlets, each with its own context, and a database
    connection opened from the test body in that context would outlive the test.
    """
    return scene()
