"""The browser tests' Chromium, started once per test, and the data of their walks."""

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.browser.scene import scene


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def walk(transactional_db):
    """The scene of the walks, written before Playwright starts.

    Playwright's sync API switches greenlets, each with its own context, and a database
    connection opened from the test body in that context would outlive the test.
    """
    return scene()
