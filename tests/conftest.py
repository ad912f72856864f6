"""Fixtures shared across the test tree."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    """Every test that drives Chromium (it uses the ``browser`` fixture, directly or through ``page``) is marked
    ``browser``, so ``-m "not browser"`` leaves them out; ``slow`` is marked by hand on tests that train."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for every browser test (Playwright's sync API allows one per thread)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
